"""Helpers of the Radar tests: cards no other test uses, paying, reading a charge's outcome."""

from __future__ import annotations

import random
from typing import Any

import stripe

from lynk.vault.sandbox_cards import is_shared_test_card

DECLINED = "4000000000000002"
ELEVATED = "4000000000009235"
HIGHEST = "4000000000004954"
ALWAYS_BLOCKED = "4100000000000019"


def fresh_card(prefix: str = "424242") -> str:
    """A Luhn-valid Visa number no other test pays with, so its network history is this test's alone (never
    taken for one of Stripe's public test cards, which a processor tells apart by BIN and last 4 alone)."""
    while True:
        number = _luhn(prefix + "".join(random.choice("0123456789") for _ in range(15 - len(prefix))))
        if not is_shared_test_card(number[:6], number[-4:]):
            return number


def _luhn(body: str) -> str:
    total = 0
    for index, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def card_data(number: str, **billing: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    if billing:
        data["billing_details"] = billing
    return data


def pay(client: stripe.StripeClient, number: str, amount: int = 2000, **extra: Any) -> stripe.PaymentIntent:
    params: dict[str, Any] = {
        "amount": amount,
        "currency": "usd",
        "payment_method_data": card_data(number, **extra.pop("billing", {})),
        "confirm": True,
        **extra,
    }
    return client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]


def declined_charge(client: stripe.StripeClient, number: str, **extra: Any) -> stripe.Charge:
    """Pay and expect a decline; the declined charge."""
    try:
        pay(client, number, **extra)
    except stripe.CardError as error:
        return client.v1.charges.retrieve(error.json_body["error"]["charge"])  # type: ignore[index]
    raise AssertionError("the payment was not declined")


def reported_card_charge(client: stripe.StripeClient, card: str) -> stripe.Charge:
    """Pay with a card reported as fraud elsewhere: refused (`highest`) or reviewed (`elevated`), as the
    trained score decides (issue 16: "refused or reviewed at the others"); the charge, explained."""
    try:
        charge_id = pay(client, card).latest_charge
    except stripe.CardError as error:
        charge_id = error.json_body["error"]["charge"]  # type: ignore[index]
    charge = client.v1.charges.retrieve(charge_id, params={"expand": ["outcome.explanation"]})  # type: ignore[arg-type]
    levels = {"manual_review": "elevated", "blocked": "highest"}
    assert levels.get(charge.outcome.type) == charge.outcome.risk_level, charge.outcome
    return charge
