"""Factories for disputes: pay with one of Stripe's dispute test cards, read balances."""

from __future__ import annotations

from typing import Any

import stripe

FRAUDULENT = "4000000000000259"
PRODUCT_NOT_RECEIVED = "4000000000002685"
INQUIRY = "4000000000001976"
EARLY_FRAUD_WARNING = "4000000000005423"
DISPUTE_FEE = 1500


def pay_with_card(client: stripe.StripeClient, number: str, amount: int = 10_000) -> stripe.PaymentIntent:
    params: dict[str, Any] = {
        "amount": amount,
        "currency": "usd",
        "payment_method_data": {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034}},
        "confirm": True,
    }
    return client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]


def dispute_of(client: stripe.StripeClient, pi: stripe.PaymentIntent) -> stripe.Dispute:
    listed = client.v1.disputes.list(params={"payment_intent": pi.id}).data
    assert len(listed) == 1
    return listed[0]


def usd(client: stripe.StripeClient) -> tuple[int, int]:
    """(available, pending) in usd."""
    balance = client.v1.balance.retrieve()
    available = sum(f.amount for f in balance.available if f.currency == "usd")
    pending = sum(f.amount for f in balance.pending if f.currency == "usd")
    return available, pending
