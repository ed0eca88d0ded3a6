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

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import DeliveryStatus, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
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


def _delivery(event: Event, endpoint: WebhookEndpoint, now: int) -> WebhookDelivery:
    return WebhookDelivery(
        id=new_id("whdel"),
        created=now,
        merchant_id=event.merchant_id,
        livemode=event.livemode,
        event_id=event.id,
        endpoint_id=endpoint.id,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        locked_until=None,
        locked_by=None,
        finished_at=None,
    )


async def fan_out(session: AsyncSession, *, now: int, limit: int) -> int:
    """Make the deliveries of up to `limit` new events; returns how many events were fanned out."""
    claimed = await events.claim_for_fanout(session, limit)
    if not claimed:
        return 0
    scopes = list({Scope(e.merchant_id, e.livemode) for e in claimed})
    endpoints: dict[Scope, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in await repository.enabled_endpoints(session, scopes):
        endpoints[Scope(endpoint.merchant_id, endpoint.livemode)].append(endpoint)
    made: list[WebhookDelivery] = []
    for event in claimed:
        targets = [
            e
            for e in endpoints[Scope(event.merchant_id, event.livemode)]
            if e.created <= event.created and listens(e, event.type)
        ]
        made.extend(_delivery(event, endpoint, now) for endpoint in targets)
        await events.mark_fanned_out(session, event, len(targets))
    await repository.add_deliveries(session, made)
    return len(claimed)


async def schedule(session: AsyncSession, event: Event, endpoints: Sequence[WebhookEndpoint], *, now: int) -> None:
    """New deliveries of `event`, due now (a resend)."""
    await repository.add_deliveries(session, [_delivery(event, endpoint, now) for endpoint in endpoints])
    await _recount(session, event.id)


async def _recount(session: AsyncSession, event_id: str) -> None:
    """`pending_webhooks`: endpoints with a pending or failed delivery and no successful one."""
    if await events.lock_for_delivery_count(session, event_id) is None:
        return
    states = await repository.delivery_states(session, event_id)
    succeeded = {endpoint for endpoint, status in states if status == DeliveryStatus.SUCCEEDED}
    waiting = {
        endpoint
        for endpoint, status in states
        if status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED) and endpoint not in succeeded
    }
    await events.set_pending_webhooks(session, event_id, len(waiting))


@dataclass(frozen=True)
class Job:
    """A leased delivery, with everything the HTTP request needs."""

    delivery_id: str
    token: str
    event_id: str
    endpoint_id: str
    url: str
    payload: bytes
    secrets: tuple[str, ...]
    attempt_number: int


async def claim(session: AsyncSession, *, now: int, limit: int, token: str, lease_seconds: int) -> list[Job]:
    """Lease up to `limit` due deliveries to worker `token`; cancel those with nowhere to go."""
    due = await claim_due_deliveries(session, now=now, limit=limit)
    if not due:
        return []
    found_events = await events.by_ids(session, [d.event_id for d in due])
    found_endpoints = {e.id: e for e in await repository.endpoints_by_ids(session, [d.endpoint_id for d in due])}
    jobs: list[Job] = []
    for delivery in due:
        event = found_events.get(delivery.event_id)
        endpoint = found_endpoints.get(delivery.endpoint_id)
        if event is None or endpoint is None or endpoint.deleted_at is not None or endpoint.status != "enabled":
            delivery.status = DeliveryStatus.CANCELED
            delivery.finished_at = now
            if event is not None:
                await session.flush()
                await _recount(session, event.id)
            continue
        delivery.locked_until = now + lease_seconds
        delivery.locked_by = token
        payload = json.dumps(events.as_object(event), separators=(",", ":"), ensure_ascii=False).encode()
        jobs.append(
            Job(
                delivery_id=delivery.id,
                token=token,
                event_id=event.id,
                endpoint_id=endpoint.id,
                url=endpoint.url,
                payload=payload,
                secrets=tuple(signing_secrets(endpoint, now)),
                attempt_number=delivery.attempts + 1,
            )
        )
    await session.flush()
    return jobs


async def claim_due_deliveries(session: AsyncSession, *, now: int, limit: int) -> Sequence[WebhookDelivery]:
    return await repository.claim_due(session, now=now, limit=limit)


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave: a status code, or an error (timeout, connection_refused, …)."""

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
    delivery = await repository.leased_delivery(session, job.delivery_id, job.token)
    next_at: int | None = None
    if delivery is not None:
        delivery.attempts += 1
        delivery.locked_until = delivery.locked_by = None
        if outcome.succeeded:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.finished_at = now
        else:
            next_at = retry.next_attempt_at(
                attempts_made=delivery.attempts, now=now, created=delivery.created, window=policy.retry_window_seconds
            )
            if next_at is None:
                delivery.status = DeliveryStatus.FAILED
                delivery.finished_at = now
            else:
                delivery.next_attempt_at = next_at
    await repository.add_attempt(session, _attempt(job, outcome, delivery, now=now, next_at=next_at))
    if delivery is None:
        return False
    if outcome.succeeded:
        await repository.mark_healthy(session, job.endpoint_id)
        await _recount(session, job.event_id)
    else:
        await _note_failure(session, job, policy, now=now, given_up=delivery.status == DeliveryStatus.FAILED)
    return True


def _attempt(
    job: Job, outcome: Outcome, delivery: WebhookDelivery | None, *, now: int, next_at: int | None
) -> WebhookAttempt:
    return WebhookAttempt(
        id=new_id("whatt"),
        created=now,
        merchant_id=delivery.merchant_id if delivery else "",
        livemode=delivery.livemode if delivery else False,
        endpoint_id=job.endpoint_id,
        event_id=job.event_id,
        delivery_id=job.delivery_id,
        attempt_number=delivery.attempts if delivery else job.attempt_number,
        url=job.url,
        status_code=outcome.status_code,
        error=outcome.error,
        succeeded=outcome.succeeded,
        latency_ms=outcome.latency_ms,
        response_body=outcome.response_body[:RESPONSE_BODY_LIMIT],
        started_at_ms=outcome.started_at_ms,
        finished_at_ms=outcome.finished_at_ms,
        next_attempt_at=next_at,
    )


async def _note_failure(session: AsyncSession, job: Job, policy: Policy, *, now: int, given_up: bool) -> None:
    await repository.mark_failing(session, job.endpoint_id, now)
    if given_up:
        await _recount(session, job.event_id)
        if await repository.flag(session, job.endpoint_id, now):
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
