"""Helpers for connector tests: Stripe's test-card table and requests built from card numbers."""

from __future__ import annotations

from typing import Any

from lynk.connectors import AuthorizeRequest, CardRef
from lynk.vault.cards import facts
from lynk.vault.sandbox_cards import TEST_PAGE_NUMBERS

# Every number on the test-card page (docs: test cards), bank accounts aside.
ALL_TEST_CARDS = list(TEST_PAGE_NUMBERS)


def card(number: str, *, exp_month: int = 12, exp_year: int = 2099) -> CardRef:
    """The reference the vault would hand a connector for this number."""
    card_facts = facts(number, exp_month, exp_year)
    return CardRef(
        vault_card_id=f"card_{number[-4:]}",
        bin=card_facts.bin,
        last4=card_facts.last4,
        brand=card_facts.brand,
        exp_month=card_facts.exp_month,
        exp_year=card_facts.exp_year,
    )


def auth_request(number: str = "4242424242424242", *, key: str = "attempt_1", **options: Any) -> AuthorizeRequest:
    """An on-session authorization of 20.00 usd with a CVC; `options` override any field."""
    fields: dict[str, Any] = {"amount": 2000, "currency": "usd", "cvc_provided": True, **options}
    return AuthorizeRequest(idempotency_key=key, card=card(number), **fields)
