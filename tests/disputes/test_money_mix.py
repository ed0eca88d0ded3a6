"""Randomized mixes of card payments, bank payments that settle or fail, refunds and disputes (won, lost,
accepted, expired), with the clock moving on, keep the books balanced and the merchant's balance equal
to what those operations imply."""

from __future__ import annotations

import contextlib
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.disputes.support import (
    DISPUTE_FEE,
    EARLY_FRAUD_WARNING,
    FRAUDULENT,
    INQUIRY,
    PRODUCT_NOT_RECEIVED,
    pay_with_card,
    usd,
)
from tests.payments.bank_support import FAILURES, SUCCEEDS, books_balance, pay_by_bank, run_jobs
from tests.servers import LynkServer

CARDS = ["4242424242424242", FRAUDULENT, PRODUCT_NOT_RECEIVED, INQUIRY, EARLY_FRAUD_WARNING, "4000000000000002"]
ACCOUNTS = [SUCCEEDS, SUCCEEDS, *sorted(FAILURES)[:2]]

operation = st.one_of(
    st.tuples(st.just("card"), st.sampled_from(CARDS), st.integers(50, 90_000)),
    st.tuples(st.just("bank"), st.sampled_from(ACCOUNTS), st.integers(50, 900_000)),
    st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 100)),
    st.tuples(st.just("evidence"), st.integers(0, 20), st.sampled_from(["winning_evidence", "losing_evidence"])),
    st.tuples(st.just("close"), st.integers(0, 20)),
    st.tuples(st.just("advance"), st.sampled_from([200, 3 * 86_400, 8 * 86_400])),
)


def _half_even(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _fee(charge: stripe.Charge) -> int:
    amount = charge.amount_captured
    if charge.payment_method_details.type == "us_bank_account":
        return min(_half_even(Decimal(amount) * 80 / 10_000), 500, amount)
    return min(_half_even(Decimal(amount) * 290 / 10_000) + 30, amount)


def _step(server: LynkServer, client: stripe.StripeClient, step: tuple[Any, ...]) -> None:
    kind = step[0]
    if kind == "card":
        with contextlib.suppress(stripe.CardError):  # a decline is an outcome
            pay_with_card(client, step[1], step[2])
    elif kind == "bank":
        pay_by_bank(client, step[2], step[1])
    elif kind == "advance":
        server.clock.advance(step[1])
        run_jobs(server)
    elif kind == "refund":
        charges = client.v1.charges.list(params={"limit": 100}).data
        if charges:
            charge = charges[step[1] % len(charges)]
            left = charge.amount_captured - charge.amount_refunded
            if charge.status == "succeeded" and left > 0:
                try:
                    client.v1.refunds.create(params={"charge": charge.id, "amount": max(1, left * step[2] // 100)})
                except stripe.InvalidRequestError as error:
                    assert error.code == "charge_disputed"
    else:
        disputes = client.v1.disputes.list(params={"limit": 100}).data
        if not disputes:
            return
        dispute = disputes[step[1] % len(disputes)]
        if dispute.status not in ("needs_response", "warning_needs_response"):
            return
        if kind == "close":
            client.v1.disputes.close(dispute.id)
        else:
            client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_text": step[2]}})


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(operation, min_size=1, max_size=8))
def test_books_balance_through_settlements_refunds_and_disputes(
    server: LynkServer, client: stripe.StripeClient, steps: list[tuple[Any, ...]]
) -> None:
    for step in steps:
        _step(server, client, step)
    run_jobs(server)
    books_balance(server)

    expected = 0
    for charge in client.v1.charges.list(params={"limit": 100}).auto_paging_iter():
        if charge.status == "succeeded":
            expected += charge.amount_captured - _fee(charge) - charge.amount_refunded
        else:
            assert charge.balance_transaction is None  # pending or failed: nothing booked
    for dispute in client.v1.disputes.list(params={"limit": 100}).auto_paging_iter():
        if dispute.payment_method_details.card.case_type == "chargeback" and dispute.status != "won":
            expected -= dispute.amount + DISPUTE_FEE
    available, pending = usd(client)
    assert available + pending == expected
