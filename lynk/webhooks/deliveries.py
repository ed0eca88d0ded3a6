"""The delivery queue: fan events out to endpoints, lease due deliveries, record each outcome.

Crash safety: events are recorded with `fanout_pending` in the transaction of the change
they describe. `fan_out` claims such events (`FOR UPDATE SKIP LOCKED`), inserts one
delivery per matching enabled endpoint and clears the mark, all in one transaction: a
crash before the commit leaves the event to fan out again, after it the deliveries exist.
`claim` leases due deliveries to one worker (`locked_until`, `locked_by`) and commits; the
HTTP request runs outside any transaction; `record` stores the outcome only while the lease
still holds. A worker that dies leaves its lease to expire, then another worker retries,
so an event in flight at a crash may arrive twice, and no event is ever lost.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from lynk.webhooks import repository, retry

log = logging.getLogger("lynk.webhooks")

RESPONSE_BODY_LIMIT = 1024


def listens(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return "*" in endpoint.enabled_events or event_type in endpoint.enabled_events


def signing_secrets(endpoint: WebhookEndpoint, now: int) -> list[str]:
    """The current secret, plus the rolled one during its grace period."""
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        secrets.append(endpoint.previous_secret)
    return secrets


def _delivery(event: Event | Row[str, str, bool, str, int], endpoint: WebhookEndpoint, now: int) -> dict[str, Any]:
    """A new delivery's row, due now."""
    return {
        "id": new_id("whdel"),
        "created": now,
        "merchant_id": event.merchant_id,
        "livemode": event.livemode,
        "event_id": event.id,
        "endpoint_id": endpoint.id,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "locked_until": None,
        "locked_by": None,
        "finished_at": None,
    }


async def fan_out(session: AsyncSession, *, now: int, limit: int) -> int:
    """Make the deliveries of up to `limit` new events; returns how many events were fanned out."""
    claimed = await events.claim_for_fanout(session, limit)
    if not claimed:
        return 0
    scopes = list({Scope(e.merchant_id, e.livemode) for e in claimed})
    endpoints: dict[Scope, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in await repository.enabled_endpoints(session, scopes):
        endpoints[Scope(endpoint.merchant_id, endpoint.livemode)].append(endpoint)
    made: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for event in claimed:
        targets = [
            e
            for e in endpoints[Scope(event.merchant_id, event.livemode)]
            if e.created <= event.created and listens(e, event.type)
        ]
        made.extend(_delivery(event, endpoint, now) for endpoint in targets)
        counts[event.id] = len(targets)
    await repository.add_deliveries(session, made)
    await events.mark_fanned_out(session, counts)
    return len(claimed)


async def schedule(session: AsyncSession, event: Event, endpoints: Sequence[WebhookEndpoint], *, now: int) -> None:
    """New deliveries of `event`, due now (a resend)."""
    await repository.add_deliveries(session, [_delivery(event, endpoint, now) for endpoint in endpoints])
    await _recount(session, event.id)


async def _recount(session: AsyncSession, event_id: str) -> None:
    await _recount_many(session, [event_id])


async def _recount_many(session: AsyncSession, event_ids: Sequence[str]) -> None:
    """`pending_webhooks`: endpoints with a pending or failed delivery and no successful one.
    The events are locked first, so concurrent workers update one event's count in turn."""
    locked = await events.lock_for_delivery_count(session, sorted(set(event_ids)))
    if not locked:
        return
    succeeded: dict[str, set[str]] = defaultdict(set)
    waiting: dict[str, set[str]] = defaultdict(set)
    for event_id, endpoint, status in await repository.delivery_states(session, locked):
        if status == DeliveryStatus.SUCCEEDED:
            succeeded[event_id].add(endpoint)
        elif status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            waiting[event_id].add(endpoint)
    await events.set_pending_webhooks(session, {e: len(waiting[e] - succeeded[e]) for e in locked})


@dataclass(frozen=True)
class Job:
    """A leased delivery, with everything the HTTP request needs."""

    delivery_id: str
    token: str
    event_id: str
    endpoint_id: str
    url: str
    livemode: bool
    payload: bytes
    secrets: tuple[str, ...]
    attempt_number: int


# The delivery state machine (`DeliveryStatus`, a CHECK constraint in the table): pending -(lease)->
# pending, leased -(succeed)-> succeeded, -(reschedule)-> pending, -(give_up)-> failed; leased -(cancel)->
# canceled. Lease, succeed and cancel are one statement per batch in the repository (`lease_due`,
# `finish_succeeded`, `cancel`); a failure moves one loaded delivery on here.


def _reschedule(delivery: WebhookDelivery, *, at: int) -> None:
    delivery.next_attempt_at = at
    delivery.locked_until = delivery.locked_by = None


def _give_up(delivery: WebhookDelivery, *, now: int) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.finished_at = now
    delivery.locked_until = delivery.locked_by = None


async def claim(session: AsyncSession, *, now: int, limit: int, token: str, lease_seconds: int) -> list[Job]:
    """Lease up to `limit` due deliveries to worker `token`; cancel those with nowhere to go."""
    due = await repository.lease_due(session, now=now, limit=limit, token=token, until=now + lease_seconds)
    if not due:
        return []
    found_events = await events.by_ids(session, [d.event_id for d in due])
    found_endpoints = {e.id: e for e in await repository.endpoints_by_ids(session, [d.endpoint_id for d in due])}
    jobs: list[Job] = []
    canceled: list[str] = []
    payloads: dict[str, bytes] = {}  # an event going to several endpoints is encoded once
    for delivery in due:
        event = found_events.get(delivery.event_id)
        endpoint = found_endpoints.get(delivery.endpoint_id)
        if event is None or endpoint is None or endpoint.deleted_at is not None or endpoint.status != "enabled":
            canceled.append(delivery.id)
            continue
        payload = payloads.get(event.id)
        if payload is None:
            payload = payloads[event.id] = json.dumps(
                events.as_object(event), separators=(",", ":"), ensure_ascii=False
            ).encode()
        jobs.append(
            Job(
                delivery_id=delivery.id,
                token=token,
                event_id=event.id,
                endpoint_id=endpoint.id,
                url=endpoint.url,
                livemode=endpoint.livemode,
                payload=payload,
                secrets=tuple(signing_secrets(endpoint, now)),
                attempt_number=delivery.attempts + 1,
            )
        )
    if canceled:
        await repository.cancel(session, canceled, now=now)
        await _recount_many(session, [d.event_id for d in due if d.id in canceled])  # a purged event is skipped
    return jobs


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave: a status code, or an error (`timeout`, `connection_error`, or
    `address_not_allowed` for a host that resolved where webhooks may not go)."""

    status_code: int | None
    error: str | None
    latency_ms: int
    response_body: str
    started_at_ms: int
    finished_at_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Policy:
    retry_window_seconds: int
    disable_after_seconds: int


async def record(session: AsyncSession, job: Job, outcome: Outcome, *, now: int, policy: Policy) -> bool:
    """Log the attempt and move the delivery on: done, retry later, or given up. False if the
    lease was lost (another worker took the job over): the attempt is logged, nothing else changes."""
    return (await record_all(session, [(job, outcome)], now=now, policy=policy)) == 1


@dataclass(frozen=True)
class _Held:
    """What an attempt row takes from a delivery whose lease held."""

    merchant_id: str
    livemode: bool
    attempts: int


async def record_all(session: AsyncSession, results: Sequence[tuple[Job, Outcome]], *, now: int, policy: Policy) -> int:
    """`record` for a batch, in one transaction with few statements (successes are one UPDATE); returns how
    many leases held. An attempt whose lease was lost is logged, and changes nothing else."""
    if not results:
        return 0
    token = results[0][0].token
    held: dict[str, _Held] = {}
    next_at: dict[str, int | None] = {}
    delivered = [job.delivery_id for job, outcome in results if outcome.succeeded]
    for row in await repository.finish_succeeded(session, delivered, token, now=now):
        held[row.id] = _Held(row.merchant_id, row.livemode, row.attempts)
    failing: list[tuple[Job, bool]] = []
    missed = {job.delivery_id: outcome for job, outcome in results if not outcome.succeeded}
    for delivery in await repository.leased_deliveries(session, list(missed), token):
        next_at[delivery.id] = _advance(delivery, missed[delivery.id], now=now, policy=policy)
        held[delivery.id] = _Held(delivery.merchant_id, delivery.livemode, delivery.attempts)
    await session.flush()
    recount: set[str] = set()
    for job, outcome in results:
        if job.delivery_id in held and (outcome.succeeded or next_at[job.delivery_id] is None):
            recount.add(job.event_id)
        if job.delivery_id in held and not outcome.succeeded:
            failing.append((job, next_at[job.delivery_id] is None))
    rows = [
        _attempt(job, outcome, held.get(job.delivery_id), now=now, next_at=next_at.get(job.delivery_id))
        for job, outcome in results
    ]
    await repository.add_attempts(session, rows)
    await repository.mark_healthy(
        session, sorted({job.endpoint_id for job, outcome in results if outcome.succeeded and job.delivery_id in held})
    )
    for job, given_up in failing:
        await _note_failure(session, job, policy, now=now, given_up=given_up)
    await _recount_many(session, sorted(recount))
    return len(held)


def _advance(delivery: WebhookDelivery, outcome: Outcome, *, now: int, policy: Policy) -> int | None:
    """Move a leased delivery on after a failed attempt; returns when it will be tried again, if it will."""
    delivery.attempts += 1
    next_at = retry.next_attempt_at(
        attempts_made=delivery.attempts, now=now, created=delivery.created, window=policy.retry_window_seconds
    )
    if next_at is None:
        _give_up(delivery, now=now)
    else:
        _reschedule(delivery, at=next_at)
    return next_at


def _attempt(job: Job, outcome: Outcome, delivery: _Held | None, *, now: int, next_at: int | None) -> dict[str, Any]:
    return {
        "id": new_id("whatt"),
        "created": now,
        "merchant_id": delivery.merchant_id if delivery else "",
        "livemode": delivery.livemode if delivery else False,
        "endpoint_id": job.endpoint_id,
        "event_id": job.event_id,
        "delivery_id": job.delivery_id,
        "attempt_number": delivery.attempts if delivery else job.attempt_number,
        "url": job.url,
        "status_code": outcome.status_code,
        "error": outcome.error,
        "succeeded": outcome.succeeded,
        "latency_ms": outcome.latency_ms,
        "response_body": outcome.response_body[:RESPONSE_BODY_LIMIT],
        "started_at_ms": outcome.started_at_ms,
        "finished_at_ms": outcome.finished_at_ms,
        "next_attempt_at": next_at,
    }


async def _note_failure(session: AsyncSession, job: Job, policy: Policy, *, now: int, given_up: bool) -> None:
    await repository.mark_failing(session, job.endpoint_id, now)
    if given_up and await repository.flag(session, job.endpoint_id, now):
        log.warning(
            "webhook endpoint %s flagged: delivery of %s given up after %d days of retries",
            job.endpoint_id,
            job.event_id,
            policy.retry_window_seconds // 86400,
        )
    disabled = await repository.disable_if_failing_since(
        session, job.endpoint_id, before=now - policy.disable_after_seconds, now=now
    )
    if disabled:
        log.warning(
            "webhook endpoint %s disabled: every delivery has failed for %d days; the merchant must re-enable it",
            job.endpoint_id,
            policy.disable_after_seconds // 86400,
        )


async def purge_expired(session: AsyncSession, *, now: int, limit: int = 1000) -> int:
    """Delete attempts and deliveries older than the events' retention (30 days); returns the count."""
    return await repository.purge_before(session, now - events.RETENTION_SECONDS, limit)


async def purge_for_events(session: AsyncSession, event_ids: Sequence[str]) -> int:
    """Delete the attempts and deliveries of these (purged) events, however recent (a resend)."""
    return await repository.purge_for_events(session, event_ids)


async def queue(session: AsyncSession, *, now: int) -> dict[str, tuple[int, int]]:
    """The queue by stage (`fan_out`: events whose deliveries are not made yet; `delivery`: deliveries
    not yet delivered nor given up), each as (depth, age in seconds of its oldest item, 0 when empty)."""
    stages = {
        "fan_out": await events.awaiting_fanout(session),
        "delivery": await repository.pending_deliveries(session),
    }
    return {
        stage: (depth, max(0, now - oldest) if oldest is not None else 0) for stage, (depth, oldest) in stages.items()
    }
