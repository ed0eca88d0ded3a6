"""Randomized sequences of payments, captures, refunds and cancels never lose or invent money."""

from __future__ import annotations

from typing import Any

import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lynk.ledger import invariants
from tests.servers import LynkServer

CARDS = ["pm_card_visa", "pm_card_mastercard", "pm_card_chargeDeclined", "pm_card_bypassPending"]

operation = st.one_of(
    st.tuples(st.just("pay"), st.sampled_from(CARDS), st.integers(50, 50_000), st.booleans()),
    st.tuples(st.just("capture"), st.integers(0, 10), st.integers(1, 100)),
    st.tuples(st.just("refund"), st.integers(0, 10), st.integers(1, 100)),
    st.tuples(st.just("cancel"), st.integers(0, 10)),
)


def _run(client: stripe.StripeClient, steps: list[tuple[Any, ...]]) -> None:
    intents: list[stripe.PaymentIntent] = []
    for step in steps:
        try:
            if step[0] == "pay":
                _, card, amount, manual = step
                params = {"amount": amount, "currency": "usd", "payment_method": card, "confirm": True}
                if manual:
                    params["capture_method"] = "manual"
                intents.append(client.v1.payment_intents.create(params=params))  # type: ignore[arg-type]
            elif intents:
                pi = client.v1.payment_intents.retrieve(intents[step[1] % len(intents)].id)
                if step[0] == "capture" and pi.status == "requires_capture":
                    part = max(1, pi.amount_capturable * step[2] // 100)
                    client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": part})
                elif step[0] == "refund" and pi.status == "succeeded":
                    charge = client.v1.charges.retrieve(pi.latest_charge)
                    left = charge.amount_captured - charge.amount_refunded
                    if left > 0:
                        part = max(1, left * step[2] // 100)
                        client.v1.refunds.create(params={"charge": charge.id, "amount": part})
                elif step[0] == "cancel" and pi.status in ("requires_capture", "requires_payment_method"):
                    client.v1.payment_intents.cancel(pi.id)
        except stripe.CardError:
            pass  # a decline is a normal outcome


def _all(listing: Any) -> list[Any]:
    return list(listing.auto_paging_iter())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(operation, min_size=1, max_size=10))
def test_books_balance_after_any_sequence(
    server: LynkServer, client: stripe.StripeClient, steps: list[tuple[Any, ...]]
) -> None:
    _run(client, steps)
    assert server.write(invariants.verify) == []

    txns = _all(client.v1.balance_transactions.list(params={"limit": 100}))
    for txn in txns:
        assert txn.net == txn.amount - txn.fee
        if txn.type == "charge":
            charge = client.v1.charges.retrieve(txn.source)
            assert txn.amount == charge.amount_captured
    balance = client.v1.balance.retrieve()
    total = sum(b.amount for b in [*balance.available, *balance.pending] if b.currency == "usd")
    assert total == sum(t.net for t in txns)
    captured = sum(c.amount_captured - c.amount_refunded for c in _all(client.v1.charges.list(params={"limit": 100})))
    fees = sum(t.fee for t in txns)
    assert total == captured - fees
