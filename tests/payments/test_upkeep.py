"""The upkeep job, driven by the clock: authorizations expire after 7 days, pending funds settle."""

from __future__ import annotations

import stripe

from lynk.api import maintenance
from tests.servers import LynkServer

DAY = 24 * 3600


def test_uncaptured_authorization_is_canceled_after_seven_days(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "capture_method": "manual",
        }
    )
    server.clock.advance(6 * DAY)
    server.call(lambda: maintenance.run_once(server.runtime))
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_capture"
    server.clock.advance(DAY + 60)
    server.call(lambda: maintenance.run_once(server.runtime))
    expired = client.v1.payment_intents.retrieve(pi.id)
    assert expired.status == "canceled"
    assert expired.cancellation_reason == "automatic"
    assert "payment_intent.canceled" in [e.type for e in client.v1.events.list().data]


def test_pending_funds_become_available_after_settlement(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = client.v1.payment_intents.create(
        params={"amount": 10_000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    txn_id = client.v1.charges.retrieve(pi.latest_charge).balance_transaction
    assert client.v1.balance_transactions.retrieve(txn_id).status == "pending"
    server.clock.advance(2 * DAY + 60)
    upkeep = server.call(lambda: maintenance.run_once(server.runtime))
    assert upkeep.settled >= 1
    assert client.v1.balance_transactions.retrieve(txn_id).status == "available"
    balance = client.v1.balance.retrieve()
    assert [(b.amount, b.currency) for b in balance.available] == [(9_680, "usd")]
    assert [(b.amount, b.currency) for b in balance.pending] in ([], [(0, "usd")])
