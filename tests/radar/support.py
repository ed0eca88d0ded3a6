"""Helpers of the Radar tests: cards no other test uses, paying, reading a charge's outcome."""

from __future__ import annotations

import random
from typing import Any

import stripe

DECLINED = "4000000000000002"
ELEVATED = "4000000000009235"
HIGHEST = "4000000000004954"
ALWAYS_BLOCKED = "4100000000000019"


def fresh_card(prefix: str = "424242") -> str:
    """A Luhn-valid Visa number no other test pays with, so its network history is this test's alone."""
    body = prefix + "".join(random.choice("0123456789") for _ in range(15 - len(prefix)))
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
