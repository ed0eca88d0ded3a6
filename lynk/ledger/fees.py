"""Processing fees: a percentage plus a fixed part, in integer minor units, rounded half-even."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lynk.core.money import currency as lookup_currency
from lynk.core.money import divide_half_even

FEE_DESCRIPTION = "Lynk processing fees"


@dataclass(frozen=True)
class Pricing:
    """A card charge costs `percent_bps` basis points of the amount plus `fixed` minor units."""

    percent_bps: int = 290  # 2.9%
    fixed: int = 30

    def __post_init__(self) -> None:
        if self.percent_bps < 0 or self.fixed < 0:
            raise ValueError("pricing must not be negative")


DEFAULT_PRICING = Pricing()


def fee_for(amount: int, currency: str, pricing: Pricing = DEFAULT_PRICING) -> int:
    """The fee on a card charge of `amount`: `amount * bps / 10000` rounded half-even, plus `fixed`.

    Integer arithmetic only. The fee never exceeds the amount, so a charge's net is never negative.
    """
    lookup_currency(currency)
    if amount < 0:
        raise ValueError("amount must not be negative")
    fee = divide_half_even(amount * pricing.percent_bps, 10_000) + pricing.fixed
    return min(fee, amount)


def fee_details(fee: int, currency: str) -> list[dict[str, Any]]:
    """Stripe's `fee_details`: one `stripe_fee` line, or none for a zero fee."""
    if fee == 0:
        return []
    return [
        {"amount": fee, "application": None, "currency": currency, "description": FEE_DESCRIPTION, "type": "stripe_fee"}
    ]
