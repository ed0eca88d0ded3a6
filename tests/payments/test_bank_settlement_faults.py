"""The settlement job when the processor does not answer, or forgot the debit (a restart): the debit
is asked again later, settles exactly once, and the books balance."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from lynk.connectors import ScriptedConnector, Simulator
from tests.payments.bank_support import books_balance, pay_by_bank, run_jobs, settle
from tests.servers import LynkServer


@pytest.fixture
def simulator(server: LynkServer) -> Iterator[Simulator]:
    original = server.runtime.connector
    assert isinstance(original, Simulator)
    try:
        yield original
    finally:
        server.runtime.connector = original


def test_no_answer_leaves_the_debit_processing_until_the_next_pass(
    server: LynkServer, client: stripe.StripeClient, simulator: Simulator
) -> None:
    pi = pay_by_bank(client, 5_000)
    scripted = ScriptedConnector(simulator)
    server.runtime.connector = scripted
    scripted.fail_next("status", mode="timeout_before", times=50)  # every debit due now goes unanswered
    settle(server)
    assert client.v1.payment_intents.retrieve(pi.id).status == "processing"
    assert client.v1.balance_transactions.list().data == []
    scripted.clear()
    settle(server)
    settled = client.v1.payment_intents.retrieve(pi.id)
    assert settled.status == "succeeded"
    assert len(client.v1.balance_transactions.list().data) == 1
    run_jobs(server)
    assert len(client.v1.balance_transactions.list().data) == 1  # settled once
    books_balance(server)


def test_a_processor_that_forgot_the_debit_is_asked_again(
    server: LynkServer, client: stripe.StripeClient, simulator: Simulator
) -> None:
    succeeded = pay_by_bank(client, 6_000)
    returned = pay_by_bank(client, 7_000, "000111111113")
    server.runtime.connector = Simulator()  # a restarted in-memory processor knows nothing
    settle(server)
    assert client.v1.payment_intents.retrieve(succeeded.id).status == "succeeded"
    failed = client.v1.payment_intents.retrieve(returned.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error is not None and failed.last_payment_error.code == "account_closed"
    assert client.v1.refunds.create(params={"payment_intent": succeeded.id}).status == "succeeded"
    books_balance(server)
