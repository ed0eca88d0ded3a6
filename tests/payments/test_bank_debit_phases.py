"""The bank settlement job asks the bank's verdicts with no transaction open (issue 13, item 3): it claims
the due debits by a lease first, then writes each verdict to a debit still `pending`. While the bank takes its
time (the simulator's answer delay), the merchant's write to the debit's charge answers at once, another
upkeep pass leaves the claimed debit alone, and on PostgreSQL no session sits in a transaction; the payment
is settled and booked once. The same holds when a test clock's advance runs the job for its customers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.payments.bank_support import books_balance, event_types, pay_by_bank, run_jobs, settle
from tests.payments.phased import InFlight, no_transaction_left_open, slow_processor
from tests.payments.served import read
from tests.servers import LynkServer
from tests.webhooks.support import wait_for

LATENCY_S = 8.0


def _claimed(server: LynkServer, pi_id: str) -> Callable[[], bool]:
    """Whether the debit of `pi_id` was claimed (its `due_at` moved on) and that committed."""
    due = f"SELECT due_at FROM bank_debits WHERE payment_intent_id = '{pi_id}'"
    [(first,)] = read(server.database_url, due)
    return lambda: read(server.database_url, due) != [(first,)]


def _write_meanwhile(server: LynkServer, merchant: MerchantKeys, pi: stripe.PaymentIntent, job: InFlight[Any]) -> None:
    """The merchant's write to the debit's charge answers while `job` still waits for the bank."""
    other = sdk_client(server, merchant.secret_key)  # another connection of the merchant's
    charge = str(other.v1.payment_intents.retrieve(pi.id).latest_charge)
    noted = other.v1.charges.update(charge, params={"metadata": {"note": "asked meanwhile"}})
    assert noted.metadata["note"] == "asked meanwhile" and noted.status == "pending"
    assert job.running()  # answered while the bank still had the question
    wait_for(lambda: no_transaction_left_open(server), LATENCY_S / 2, "no transaction open while the bank answers")
    assert job.running()


def _settled_once(server: LynkServer, client: stripe.StripeClient, pi: stripe.PaymentIntent) -> None:
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"
    assert event_types(client, pi.id).count("payment_intent.succeeded") == 1
    charge = client.v1.charges.retrieve(str(client.v1.payment_intents.retrieve(pi.id).latest_charge))
    assert (charge.status, charge.metadata["note"]) == ("succeeded", "asked meanwhile")
    books_balance(server)


def test_an_upkeep_pass_holds_nothing_while_the_bank_answers(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    settle(server)  # what earlier tests left due is settled before the bank is made slow
    pi = pay_by_bank(client, 4_200)
    assert pi.status == "processing"
    claimed = _claimed(server, pi.id)
    server.clock.advance(server.settings.bank_debit_settlement_seconds + 1)

    with slow_processor(server, LATENCY_S):
        first = InFlight(lambda: run_jobs(server))
        wait_for(claimed, LATENCY_S / 2, "the debit claimed before the bank is asked")
        assert run_jobs(server).bank_debits == 0  # another process's pass: the debit is claimed
        _write_meanwhile(server, merchant, pi, first)
        assert first.result(LATENCY_S * 4).bank_debits >= 1

    _settled_once(server, client, pi)


def test_a_test_clock_advance_holds_nothing_while_the_bank_answers(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": int(server.clock.now())})
    customer = client.v1.customers.create(params={"test_clock": clock.id})
    pi = pay_by_bank(client, 5_100, customer=customer.id)
    claimed = _claimed(server, pi.id)
    later = clock.frozen_time + server.settings.bank_debit_settlement_seconds + 1

    clocks = client.v1.test_helpers.test_clocks
    with slow_processor(server, LATENCY_S):
        advancing = InFlight(lambda: clocks.advance(clock.id, params={"frozen_time": later}))
        wait_for(claimed, LATENCY_S / 2, "the debit claimed before the bank is asked")
        _write_meanwhile(server, merchant, pi, advancing)
        assert advancing.result(LATENCY_S * 4).status == "ready"

    _settled_once(server, client, pi)
