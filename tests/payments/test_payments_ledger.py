"""Captured money is booked in the ledger: balance transactions, fees, pending and available funds."""

from __future__ import annotations

import pytest
import stripe

from tests.servers import LynkServer


def _pay(client: stripe.StripeClient, pm: str, amount: int, **extra: object) -> stripe.PaymentIntent:
    params = {"amount": amount, "currency": "usd", "payment_method": pm, "confirm": True, **extra}
    return client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]


def test_a_captured_charge_has_its_balance_transaction(client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_visa", 10_000)
    charge = client.v1.charges.retrieve(pi.latest_charge, params={"expand": ["balance_transaction"]})
    txn = charge.balance_transaction
    assert txn.id.startswith("txn_")
    assert txn.type == "charge"
    assert txn.source == charge.id
    assert txn.amount == 10_000
    assert txn.fee == 320  # 2.9% + 30
    assert txn.net == 9_680
    assert txn.status == "pending"
    balance = client.v1.balance.retrieve()
    assert [(b.amount, b.currency) for b in balance.pending] == [(9_680, "usd")]


def test_uncaptured_authorizations_book_nothing_until_captured(client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_visa", 5_000, capture_method="manual")
    assert client.v1.charges.retrieve(pi.latest_charge).balance_transaction is None
    assert client.v1.balance_transactions.list().data == []
    client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 4_000})
    txn = client.v1.balance_transactions.retrieve(client.v1.charges.retrieve(pi.latest_charge).balance_transaction)
    assert (txn.amount, txn.fee, txn.net) == (4_000, 146, 3_854)


def test_declines_book_nothing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError):
        _pay(client, "pm_card_chargeDeclined", 5_000)
    assert client.v1.balance_transactions.list().data == []


def test_bypass_pending_card_is_available_at_once(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_bypassPending", 2_000)
    txn = client.v1.balance_transactions.retrieve(client.v1.charges.retrieve(pi.latest_charge).balance_transaction)
    assert txn.status == "available"
    balance = client.v1.balance.retrieve()
    assert [(b.amount, b.currency) for b in balance.available] == [(2_000 - 88, "usd")]
