"""What a PaymentIntent asks of each method type: `automatic_payment_methods` and `payment_method_options`.

A per-type option overrides the intent's own field for payments by that type, as at Stripe:
`payment_method_options[card][capture_method]=manual` authorizes cards only, and
`payment_method_options[us_bank_account][setup_future_usage]=none` saves cards but not bank accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lynk.models import PaymentIntent

# The methods a merchant has enabled: Lynk enables every method it supports for every merchant.
ENABLED_METHODS = ("card", "link", "us_bank_account")


def automatic_types(currency: str, capture_method: str) -> list[str]:
    """The types `automatic_payment_methods[enabled]=true` offers for this currency and capture method:
    a bank debit is in US dollars and captured at once."""
    return [
        kind
        for kind in ENABLED_METHODS
        if kind != "us_bank_account" or (currency == "usd" and capture_method != "manual")
    ]


def merge(current: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any]:
    """`payment_method_options` after an update: each type's options merged key by key; "" unsets a key."""
    merged = {kind: dict(options) for kind, options in (current or {}).items()}
    for kind, options in given.items():
        merged.setdefault(kind, {}).update(options)
    return {kind: {k: v for k, v in options.items() if v != ""} for kind, options in merged.items()}


def _option(pi: PaymentIntent, kind: str, name: str) -> Any:
    return ((pi.payment_method_options or {}).get(kind) or {}).get(name)


def setup_future_usage(pi: PaymentIntent, kind: str) -> str | None:
    """The intent's `setup_future_usage` for a payment by this type (`none` switches it off)."""
    given = _option(pi, kind, "setup_future_usage")
    if given is None:
        return pi.setup_future_usage
    return None if given == "none" else str(given)


def capture_method(pi: PaymentIntent, kind: str) -> str:
    return str(_option(pi, kind, "capture_method") or pi.capture_method)


def challenge_requested(pi: PaymentIntent) -> bool:
    """`request_three_d_secure=any|challenge`: authenticate even when the issuer would not ask."""
    return _option(pi, "card", "request_three_d_secure") in ("any", "challenge")


def incremental_requested(pi: PaymentIntent) -> bool:
    """`request_incremental_authorization=if_available`: a card authorization that may be incremented later."""
    return bool(_option(pi, "card", "request_incremental_authorization") == "if_available")


_DEFAULTS: dict[str, dict[str, Any]] = {
    "card": {
        "installments": None,
        "mandate_options": None,
        "network": None,
        "request_three_d_secure": "automatic",
    },
    "link": {"persistent_token": None},
    "us_bank_account": {
        "financial_connections": {"permissions": ["payment_method"], "prefetch": []},
        "verification_method": "automatic",
    },
}


def rendered(pi: PaymentIntent, types: Sequence[str]) -> dict[str, Any]:
    """`payment_method_options` as Stripe shows it: each offered type with its defaults and what was asked."""
    given = pi.payment_method_options or {}
    return {kind: {**_DEFAULTS.get(kind, {}), **(given.get(kind) or {})} for kind in types}
