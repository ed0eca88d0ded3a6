"""Helpers for connector tests: Stripe's test-card table and requests built from card numbers."""

from __future__ import annotations

from typing import Any

from lynk.connectors import AuthorizeRequest, CardRef
from lynk.vault.cards import facts

# Every number on the test-card page (docs: test cards), bank accounts aside.
ALL_TEST_CARDS = [
    *("4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222", "5200828282828210"),
    *("5105105105105100", "378282246310005", "6011111111111117", "3056930009020004", "3566002020360505"),
    *("6200000000000005", "4000000000000002", "4000000000009995", "4000000000009987", "4000000000009979"),
    *("4000000000000069", "4000000000000127", "4000000000000119", "4242424242424241", "4000000000006975"),
    *("4000000000000341", "4000000000000101", "4000000000000036", "4100000000000019", "4000000000004954"),
    *("4000000000009235", "4000002500003155", "4000002760003184", "4000003800000446", "4000008400001629"),
    *("4000008260003178", "4000000000003220", "4000000000003055", "4000000000000259", "4000000000002685"),
    *("4000000000001976", "4000000000005423", "4000000000000077"),
]


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
