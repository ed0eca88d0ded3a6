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
from tests.servers import LynkServer

DAY = 24 * 3600


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


def test_two_concurrent_passes_do_each_job_once(server: LynkServer, client: stripe.StripeClient) -> None:
    paid = [_pay(client, 1_000 + 100 * i) for i in range(6)]
    held = [_pay(client, 2_000 + 100 * i, manual=True) for i in range(4)]
    client.v1.refunds.create(params={"payment_intent": paid[0].id, "amount": 300})
    pending = client.v1.balance_transactions.list(params={"limit": 100}).data
    assert pending and all(t.status == "pending" for t in pending)
    expected_available = sum(t.net for t in pending)

    server.clock.advance(8 * DAY)
    first, second = _twice_at_once(server)
    assert first.expired_authorizations + second.expired_authorizations >= len(held)

    for pi in held:
        canceled = client.v1.payment_intents.retrieve(pi.id)
        assert (canceled.status, canceled.cancellation_reason) == ("canceled", "automatic")
    cancel_events = client.v1.events.list(params={"type": "payment_intent.canceled", "limit": 100}).data
    assert sorted(e.data.object["id"] for e in cancel_events) == sorted(pi.id for pi in held)  # once each

    settled = client.v1.balance_transactions.list(params={"limit": 100}).data
    assert sorted(t.id for t in settled) == sorted(t.id for t in pending)
    assert all(t.status == "available" for t in settled)
    balance = client.v1.balance.retrieve()
    assert [(b.amount, b.currency) for b in balance.available] == [(expected_available, "usd")]
    assert [(b.amount, b.currency) for b in balance.pending] in ([], [(0, "usd")])
    assert server.write(invariants.verify) == []

    # Another two passes find nothing left to do.
    again = _twice_at_once(server)
    assert client.v1.balance.retrieve().available[0].amount == expected_available
    assert all(u.expired_authorizations == 0 for u in again)


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
