"""All queries on webhook endpoints, deliveries and attempts.

API reads are scoped to a merchant and mode. The worker's queries (claim due deliveries,
fan-out, purge) are system jobs across merchants; claims lock with `FOR UPDATE SKIP LOCKED`
on PostgreSQL and run inside `BEGIN IMMEDIATE` on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def _live(scope: Scope) -> Select[Any]:
    return scoped_select(WebhookEndpoint, scope.merchant_id, scope.livemode).where(WebhookEndpoint.deleted_at.is_(None))


async def add(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    session.add(endpoint)
    await session.flush()


async def get(
    session: AsyncSession, scope: Scope, endpoint_id: str, *, for_update: bool = False
) -> WebhookEndpoint | None:
    found: WebhookEndpoint | None = await scoped_get(
        session, _live(scope), WebhookEndpoint, endpoint_id, for_update=for_update
    )
    return found


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest) -> Page[WebhookEndpoint]:
    return await paginate(session, _live(scope), WebhookEndpoint, page, object_name="webhook_endpoint")


async def enabled_endpoints(session: AsyncSession, scopes: Sequence[Scope]) -> Sequence[WebhookEndpoint]:
    """Every enabled, undeleted endpoint of these merchants and modes."""
    if not scopes:
        return []
    merchants = sorted({scope.merchant_id for scope in scopes})
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.merchant_id.in_(merchants),
        WebhookEndpoint.status == "enabled",
        WebhookEndpoint.deleted_at.is_(None),
    )
    return (await session.scalars(stmt)).all()


async def endpoints_by_ids(session: AsyncSession, ids: Sequence[str]) -> Sequence[WebhookEndpoint]:
    if not ids:
        return []
    return (await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(list(ids))))).all()


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert deliveries (one multi-row INSERT; nothing is read back)."""
    if rows:
        await session.execute(insert(WebhookDelivery), list(rows))


async def lease_due(session: AsyncSession, *, now: int, limit: int, token: str, until: int) -> list[Any]:
    """Lease up to `limit` due deliveries not leased by a live worker to `token`, in one statement (the
    inner SELECT skips rows other workers are leasing); returns (id, event_id, endpoint_id, attempts), oldest
    due first."""
    due = (
        select(WebhookDelivery.pk)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(WebhookDelivery)
        .where(WebhookDelivery.pk.in_(due))
        .values(locked_until=until, locked_by=token)
        .returning(
            WebhookDelivery.id,
            WebhookDelivery.event_id,
            WebhookDelivery.endpoint_id,
            WebhookDelivery.attempts,
            WebhookDelivery.next_attempt_at,
            WebhookDelivery.pk,
        )
    )
    rows: list[Any] = list((await session.execute(stmt, execution_options={"synchronize_session": False})).all())
    return sorted(rows, key=lambda row: (row.next_attempt_at, row.pk))


async def cancel(session: AsyncSession, ids: Sequence[str], *, now: int) -> None:
    """Leased deliveries with nowhere to go (event purged, endpoint deleted or disabled): canceled."""
    if ids:
        stmt = (
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(list(ids)))
            .values(status=DeliveryStatus.CANCELED, finished_at=now, locked_until=None, locked_by=None)
        )
        await session.execute(stmt, execution_options={"synchronize_session": False})


async def finish_succeeded(session: AsyncSession, ids: Sequence[str], token: str, *, now: int) -> list[Any]:
    """Mark delivered those of these deliveries this worker still leases, in one statement; returns
    (id, merchant_id, livemode, attempts) of each, `attempts` counting this one."""
    if not ids:
        return []
    stmt = (
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(list(ids)), WebhookDelivery.locked_by == token)
        .values(
            status=DeliveryStatus.SUCCEEDED,
            attempts=WebhookDelivery.attempts + 1,
            finished_at=now,
            locked_until=None,
            locked_by=None,
        )
        .returning(WebhookDelivery.id, WebhookDelivery.merchant_id, WebhookDelivery.livemode, WebhookDelivery.attempts)
    )
    return list((await session.execute(stmt, execution_options={"synchronize_session": False})).all())


async def leased_deliveries(session: AsyncSession, ids: Sequence[str], token: str) -> Sequence[WebhookDelivery]:
    """These deliveries, locked, where this worker's lease still holds (no other worker took them over)."""
    if not ids:
        return []
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(list(ids)), WebhookDelivery.locked_by == token)
        .order_by(WebhookDelivery.pk)
        .with_for_update()
    )
    return (await session.scalars(stmt)).all()


async def delivery_states(session: AsyncSession, event_ids: Sequence[str]) -> Sequence[tuple[str, str, str]]:
    """(event id, endpoint id, status) of every delivery of these events."""
    if not event_ids:
        return []
    stmt = select(WebhookDelivery.event_id, WebhookDelivery.endpoint_id, WebhookDelivery.status).where(
        WebhookDelivery.event_id.in_(list(event_ids))
    )
    return [(event, endpoint, status) for event, endpoint, status in (await session.execute(stmt)).all()]


async def add_attempts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert attempts (one multi-row INSERT; nothing is read back)."""
    if rows:
        await session.execute(insert(WebhookAttempt), list(rows))


async def list_attempts(
    session: AsyncSession, scope: Scope, endpoint_id: str, page: PageRequest, *, event_id: str | None
) -> Page[WebhookAttempt]:
    stmt = scoped_select(WebhookAttempt, scope.merchant_id, scope.livemode).where(
        WebhookAttempt.endpoint_id == endpoint_id
    )
    if event_id:
        stmt = stmt.where(WebhookAttempt.event_id == event_id)
    return await paginate(session, stmt, WebhookAttempt, page, object_name="webhook_endpoint_attempt")


async def _changed(session: AsyncSession, stmt: Any) -> int:
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_healthy(session: AsyncSession, endpoint_ids: Sequence[str]) -> int:
    if not endpoint_ids:
        return 0
    return await _changed(
        session,
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id.in_(sorted(endpoint_ids)), WebhookEndpoint.failing_since.is_not(None))
        .values(failing_since=None, flagged_at=None),
    )


async def mark_failing(session: AsyncSession, endpoint_id: str, now: int) -> int:
    return await _changed(
        session,
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_(None))
        .values(failing_since=now),
    )


async def flag(session: AsyncSession, endpoint_id: str, now: int) -> int:
    return await _changed(
        session,
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.flagged_at.is_(None))
        .values(flagged_at=now),
    )


async def disable_if_failing_since(session: AsyncSession, endpoint_id: str, *, before: int, now: int) -> int:
    return await _changed(
        session,
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.status == "enabled",
            WebhookEndpoint.failing_since <= before,
        )
        .values(status="disabled", auto_disabled_at=now),
    )


async def purge_before(session: AsyncSession, cutoff: int, limit: int) -> int:
    attempts = select(WebhookAttempt.pk).where(WebhookAttempt.created < cutoff).limit(limit)
    attempt_pks = list((await session.scalars(attempts)).all())
    if attempt_pks:
        await session.execute(delete(WebhookAttempt).where(WebhookAttempt.pk.in_(attempt_pks)))
    deliveries = select(WebhookDelivery.pk).where(WebhookDelivery.created < cutoff).limit(limit)
    delivery_pks = list((await session.scalars(deliveries)).all())
    if delivery_pks:
        await session.execute(delete(WebhookDelivery).where(WebhookDelivery.pk.in_(delivery_pks)))
    return len(attempt_pks) + len(delivery_pks)


async def purge_for_events(session: AsyncSession, event_ids: Sequence[str]) -> int:
    if not event_ids:
        return 0
    ids = list(event_ids)
    attempts = await session.execute(delete(WebhookAttempt).where(WebhookAttempt.event_id.in_(ids)))
    deliveries = await session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)))
    return int(attempts.rowcount or 0) + int(deliveries.rowcount or 0)  # type: ignore[attr-defined]


async def pending_deliveries(session: AsyncSession) -> tuple[int, int | None]:
    """How many deliveries are still to be made (due or waiting for a retry), and the oldest's `created`."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(WebhookDelivery.created)).where(
                WebhookDelivery.status == DeliveryStatus.PENDING
            )
        )
    ).one()
    return int(count), oldest


async def attempts_of_events(
    session: AsyncSession, scope: Scope, event_ids: Sequence[str], limit: int
) -> Sequence[WebhookAttempt]:
    """The attempts to deliver these events to the merchant's endpoints (the endpoint/event index), oldest first."""
    if not event_ids:
        return []
    endpoints = select(WebhookEndpoint.id).where(
        WebhookEndpoint.merchant_id == scope.merchant_id, WebhookEndpoint.livemode == scope.livemode
    )
    stmt = scoped_select(WebhookAttempt, scope.merchant_id, scope.livemode).where(
        WebhookAttempt.endpoint_id.in_(endpoints), WebhookAttempt.event_id.in_(list(event_ids))
    )
    return (await session.scalars(stmt.order_by(WebhookAttempt.created, WebhookAttempt.pk).limit(limit))).all()
