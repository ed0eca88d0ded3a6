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


@dataclass(frozen=True)
class FeeSchedule:
    """Fees beyond the card fee: ACH debits (a percentage with a cap) and disputes (a flat fee).

    Stripe's US prices are the defaults: ACH 0.8% capped at $5.00, disputes $15.00.
    """

    ach_bps: int = 80
    ach_cap: int = 500
    dispute_fee: int = 1500

    def __post_init__(self) -> None:
        if min(self.ach_bps, self.ach_cap, self.dispute_fee) < 0:
            raise ValueError("fees must not be negative")


DEFAULT_FEES = FeeSchedule()


def ach_fee_for(amount: int, currency: str, fees: FeeSchedule = DEFAULT_FEES) -> int:
    """The fee on an ACH debit: `amount * bps / 10000` rounded half-even, at most the cap and the amount."""
    lookup_currency(currency)
    if amount < 0:
        raise ValueError("amount must not be negative")
    return min(divide_half_even(amount * fees.ach_bps, 10_000), fees.ach_cap, amount)
