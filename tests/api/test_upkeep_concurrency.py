"""Several processes run the upkeep at once (`lynk serve` and `lynk worker`s): two concurrent passes
expire, settle and post each thing once, and the books balance as after a single pass."""

from __future__ import annotations

import asyncio

import stripe

from lynk.api import maintenance
from lynk.api.maintenance import Upkeep
from lynk.core.clock import unix
from lynk.core.locks import try_job_lock
from lynk.ledger import invariants
from lynk.ledger import service as ledger
from tests.disputes.support import FRAUDULENT, dispute_of, pay_with_card
from tests.payments.bank_support import FAILURES, pay_by_bank
from tests.servers import LynkServer

DAY = 24 * 3600
FAILING_ACCOUNT = next(iter(FAILURES))


def _pay(client: stripe.StripeClient, amount: int, *, manual: bool = False) -> stripe.PaymentIntent:
    params: stripe.PaymentIntentCreateParams = {
        "amount": amount,
        "currency": "usd",
        "payment_method": "pm_card_visa",
        "confirm": True,
    }
    if manual:
        params["capture_method"] = "manual"
    return client.v1.payment_intents.create(params=params)


def _twice_at_once(server: LynkServer) -> tuple[Upkeep, Upkeep]:
    async def both() -> tuple[Upkeep, Upkeep]:
        first, second = await asyncio.gather(maintenance.run_once(server.runtime), maintenance.run_once(server.runtime))
        return first, second

    return server.call(both)


def _events_about(client: stripe.StripeClient, type_: str) -> list[str]:
    found = client.v1.events.list(params={"type": type_, "limit": 100}).data
    return sorted(e.data.object["id"] for e in found)


def test_two_concurrent_passes_do_each_job_once(server: LynkServer, client: stripe.StripeClient) -> None:
    paid = [_pay(client, 1_000 + 100 * i) for i in range(6)]
    held = [_pay(client, 2_000 + 100 * i, manual=True) for i in range(4)]
    client.v1.refunds.create(params={"payment_intent": paid[0].id, "amount": 300})
    disputed = [dispute_of(client, pay_with_card(client, FRAUDULENT, 5_000 + i)) for i in range(2)]
    by_bank = [pay_by_bank(client, 3_000 + i) for i in range(2)]
    returned = pay_by_bank(client, 4_000, FAILING_ACCOUNT)
    pending = client.v1.balance_transactions.list(params={"limit": 100}).data
    card_funds = sum(t.net for t in pending)

    server.clock.advance(8 * DAY)
    first, second = _twice_at_once(server)
    assert first.expired_authorizations + second.expired_authorizations >= len(held)

    # Each thing happened once: one event each, in the state a single pass leaves it.
    for pi in held:
        canceled = client.v1.payment_intents.retrieve(pi.id)
        assert (canceled.status, canceled.cancellation_reason) == ("canceled", "automatic")
    assert _events_about(client, "payment_intent.canceled") == sorted(pi.id for pi in held)
    assert [client.v1.disputes.retrieve(d.id).status for d in disputed] == ["lost", "lost"]
    assert _events_about(client, "charge.dispute.closed") == sorted(d.id for d in disputed)
    assert [client.v1.payment_intents.retrieve(pi.id).status for pi in by_bank] == ["succeeded", "succeeded"]
    bank_succeeded = set(_events_about(client, "payment_intent.succeeded")) & {pi.id for pi in by_bank}
    assert sorted(bank_succeeded) == sorted(pi.id for pi in by_bank)
    assert len(_events_about(client, "payment_intent.succeeded")) == len(paid) + 2 + len(by_bank)
    assert client.v1.payment_intents.retrieve(returned.id).status == "requires_payment_method"
    assert _events_about(client, "payment_intent.payment_failed") == [returned.id]

    # The books: every card transaction settled once, each bank debit booked once, and the balance
    # is the sum of the balance transactions.
    after = client.v1.balance_transactions.list(params={"limit": 100}).data
    assert {t.id for t in pending} <= {t.id for t in after}
    assert all(t.status == "available" for t in after if t.id in {p.id for p in pending})
    bank_charges = [client.v1.payment_intents.retrieve(pi.id).latest_charge for pi in by_bank]
    assert sorted(t.source for t in after if t.source in bank_charges) == sorted(bank_charges)
    balance = client.v1.balance.retrieve()
    available = sum(t.net for t in after if t.status == "available")
    assert available == card_funds
    assert [(b.amount, b.currency) for b in balance.available] == [(available, "usd")]
    assert [b.amount for b in balance.pending] == [sum(t.net for t in after if t.status == "pending")]
    assert server.write(invariants.verify) == []

    # Another two passes find nothing left to do.
    again = _twice_at_once(server)
    assert client.v1.balance.retrieve().available[0].amount == available
    assert all(u.expired_authorizations == 0 and u.disputes_expired == 0 and u.bank_debits == 0 for u in again)


def test_settlement_run_twice_at_once_without_the_job_lock_posts_once(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    """The rows are claimed `FOR UPDATE SKIP LOCKED` as well: even two settlements run side by side
    (the job lock bypassed) post each balance transaction once."""
    for i in range(8):
        _pay(client, 500 + 10 * i)
    pending = client.v1.balance_transactions.list(params={"limit": 100}).data
    server.clock.advance(3 * DAY)

    async def settle_alone() -> int:
        async with server.db.transaction() as session:
            return await ledger.settle_due(session, now=unix(server.runtime.clock))

    async def both() -> list[int]:
        return list(await asyncio.gather(settle_alone(), settle_alone()))

    server.call(both)
    settled = client.v1.balance_transactions.list(params={"limit": 100}).data
    assert all(t.status == "available" for t in settled)
    balance = client.v1.balance.retrieve()
    assert [(b.amount, b.currency) for b in balance.available] == [(sum(t.net for t in pending), "usd")]
    assert server.write(invariants.verify) == []


def test_a_job_lock_is_held_by_one_transaction_at_a_time(server: LynkServer) -> None:
    async def contend() -> tuple[bool, bool, bool]:
        async with server.db.transaction() as holder:
            first = await try_job_lock(holder, "lynk.test.contended")
            async with server.db.transaction(write=False) as other:
                second = await try_job_lock(other, "lynk.test.contended")
        async with server.db.transaction(write=False) as later:
            third = await try_job_lock(later, "lynk.test.contended")
        return first, second, third

    first, second, third = server.call(contend)
    assert first and third
    assert second is (server.backend != "postgres")
