"""Periodic upkeep run inside `lynk serve` (unless `--no-worker`), each task in its own transaction:

- purge idempotency keys past retention;
- resolve processor attempts (authorizations, captures, increments, voids, refunds) a dead request left
  between its phases (`payments.recovery`), through the processor's `status(key)`, with no transaction
  open while it answers;
- cancel card authorizations left uncaptured for 7 days, each void in its own phases;
- move bank debits on once the bank has answered (`succeeded`, or failed with the bank's code);
- decide submitted test-mode disputes, and close disputes left unanswered past `due_by`;
- make pending funds available once their settlement date has come;
- expire Checkout Sessions past their `expires_at` (completing any whose payment went through);
- purge events older than 30 days, with their webhook deliveries and attempts;
- drop Link opt-ins held for a 3-D Secure challenge the shopper abandoned;
- forget the browsers and IP addresses Link accounts were verified from, unused for half a year, of
  accounts still in use (the step-up's memory: `link.step_up.forget` says what it keeps and why);
- forget Radar's card attempts past 30 days (those reported as fraud stay: they are the card's history).

Every task reads the time from `runtime.clock`, so tests advance the clock and call `run_once`
instead of sleeping.

Several processes may run `run_once` at once (`lynk serve` and any number of `lynk worker`s). Each
task's transaction first takes the task's job lock (`lynk.core.locks`): of concurrent passes, one
does a task and the others skip it until their next pass. The tasks also claim their rows with
`FOR UPDATE [SKIP LOCKED]` and re-check each row's state, so a task never handles an object twice;
the lock keeps concurrent passes from wasting work or deadlocking on the same merchant's accounts.
The idempotency purge needs neither: deleting expired keys twice deletes them once. Nor does attempt
recovery, which calls the processor and so holds no lock: it locks each attempt only to write its
outcome, and skips one another process resolved first. The expiry of authorizations voids them at the
processor, so its job lock lasts only until its first commit: each intent is read again, locked, and
skipped unless still `requires_capture` (another pass's void left it `processing`). So does the bank
settlement, which asks the bank's verdicts: its first commit claims the due debits for a settlement delay
(a lease another pass respects), and each verdict is written only to a debit still `pending`.

`run_worker` runs the webhook delivery worker beside it (`lynk serve`, `lynk worker`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import astuple, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.checkout import service as checkout
from lynk.core import metrics
from lynk.core.clock import unix
from lynk.core.locks import try_job_lock
from lynk.core.scope import Scope
from lynk.disputes import service as disputes
from lynk.events import service as events
from lynk.idempotency import service as idempotency
from lynk.ledger import service as ledger
from lynk.link import service as link
from lynk.payments import bank_debits, recovery
from lynk.payments import context as payment_context
from lynk.payments import service as payments
from lynk.payments.context import PaymentContext
from lynk.radar import service as radar
from lynk.runtime import Runtime
from lynk.webhooks import deliveries
from lynk.webhooks.worker import DeliveryWorker, WorkerConfig

log = logging.getLogger("lynk.maintenance")


@dataclass(frozen=True)
class Upkeep:
    purged_keys: int
    expired_authorizations: int
    settled: int
    bank_debits: int = 0
    disputes_decided: int = 0
    disputes_expired: int = 0
    expired_checkout_sessions: int = 0
    purged_events: int = 0
    purged_link_signups: int = 0
    purged_radar_attempts: int = 0
    recovered_attempts: int = 0
    purged_link_sources: int = 0


def _context(runtime: Runtime, session: AsyncSession, now: int) -> PaymentContext:
    """A context for jobs that run across merchants (each object is handled in its own scope)."""
    return payment_context.build(runtime, session, Scope("", livemode=False), now)


async def _locked(
    runtime: Runtime, job: str, work: Callable[[AsyncSession], Awaitable[int]], *, phased: bool = False
) -> int:
    """Run `work` in one transaction holding the job's lock; 0 if another process is doing that job. With
    `phased`, in a `Database.phases` session: `work` calls the processor between phases, so the lock lasts
    until its first commit, and `work` reads each row again, locked, before it handles it."""
    with metrics.upkeep(job) as run:
        async with runtime.db.phases() if phased else runtime.db.transaction() as session:
            if not await try_job_lock(session, f"lynk.upkeep.{job}"):
                run.outcome = "skipped"
                return 0
            run.items = await work(session)
        return run.items


async def _measured(job: str, work: Awaitable[int]) -> int:
    with metrics.upkeep(job) as run:
        run.items = await work
        return run.items


async def run_once(runtime: Runtime) -> Upkeep:
    now = unix(runtime.clock)
    purged = await _measured(
        "idempotency_purge",
        idempotency.purge_expired(
            runtime.db, now=now, retention_seconds=runtime.settings.idempotency_retention_seconds
        ),
    )

    def ctx(session: AsyncSession) -> PaymentContext:
        return _context(runtime, session, now)

    recovered = await _measured("payment_attempts", recover_attempts(runtime, now=now))
    expired = await _locked(runtime, "authorizations", lambda s: payments.expire_authorizations(ctx(s)), phased=True)
    sessions_expired = await _locked(runtime, "checkout_sessions", lambda s: checkout.expire_due(ctx(s)))
    debits = await _locked(runtime, "bank_debits", lambda s: bank_debits.settle_due(ctx(s)), phased=True)
    decided = await _locked(runtime, "disputes_reviewed", lambda s: disputes.resolve_reviewed(s, now=now))
    past_due = await _locked(runtime, "disputes_past_due", lambda s: disputes.expire_past_due(s, now=now))
    settled = await _locked(runtime, "settlement", lambda s: ledger.settle_due(s, now=now))
    purged_events = await _measured("purge_events", purge_old_events(runtime, now=now))
    with metrics.upkeep("link_held_signups") as run:
        async with runtime.db.transaction() as session:
            held = run.items = await link.purge_held_signups(session, runtime.settings, now)
    attempts = await _locked(runtime, "radar_attempts", lambda s: radar.purge_attempts(s, now=now))
    sources = await _locked(runtime, "link_sources", lambda s: link.purge_sources(s, now))
    upkeep = Upkeep(
        purged,
        expired,
        settled,
        debits,
        decided,
        past_due,
        sessions_expired,
        purged_events,
        held,
        attempts,
        recovered,
        sources,
    )
    if any(astuple(upkeep)):
        log.info("upkeep: %s", upkeep)
    return upkeep


async def recover_attempts(runtime: Runtime, *, now: int) -> int:
    """Processor attempts left between their phases by a request that died, resolved (`payments.recovery`)."""
    async with runtime.db.phases() as session:
        after = runtime.settings.idempotency_lock_seconds  # the same bound as a dead request's idempotency key
        return await recovery.recover_abandoned(_context(runtime, session, now), after_seconds=after)


async def run_forever(runtime: Runtime) -> None:
    while True:
        try:
            await run_once(runtime)
        except Exception:
            log.exception("maintenance pass failed; will try again")
        await asyncio.sleep(runtime.settings.maintenance_interval_seconds)


async def purge_old_events(runtime: Runtime, *, now: int) -> int:
    """Events past 30 days go, with their deliveries and attempts (in batches, one transaction each):
    those older than 30 days, and any later ones of a purged event (a resend)."""
    total = 0
    while True:
        async with runtime.db.transaction() as session:
            if not await try_job_lock(session, "lynk.upkeep.purge_events"):
                return total
            gone = await deliveries.purge_expired(session, now=now)
            gone_events = await events.purge_expired(session, now=now)
            gone += await deliveries.purge_for_events(session, gone_events)
        total += len(gone_events)
        if not gone and not gone_events:
            return total


async def run_worker(runtime: Runtime) -> None:
    worker = DeliveryWorker(runtime.db, runtime.clock, WorkerConfig.from_settings(runtime.settings))
    try:
        await worker.run_forever()
    finally:
        await worker.aclose()
