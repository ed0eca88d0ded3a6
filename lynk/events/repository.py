"""All queries on events. API reads are scoped to a merchant and mode; the webhook worker's
fan-out and the retention purge work across merchants, as system jobs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, delete, false, func, literal_column, select, true, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.core.txids import settled_horizon
from lynk.models import Event


async def add(session: AsyncSession, event: Event, *, flush: bool = True) -> None:
    session.add(event)
    if flush:
        await session.flush()


async def get(session: AsyncSession, scope: Scope, event_id: str, *, for_update: bool = False) -> Event | None:
    found: Event | None = await scoped_get(
        session, scoped_select(Event, scope.merchant_id, scope.livemode), Event, event_id, for_update=for_update
    )
    return found


async def list_page(
    session: AsyncSession,
    scope: Scope,
    page: PageRequest,
    *,
    types: list[str] | None,
    delivery_success: bool | None = None,
    payment_intent_id: str | None = None,
) -> Page[Event]:
    stmt = scoped_select(Event, scope.merchant_id, scope.livemode)
    if payment_intent_id is not None:
        stmt = stmt.where(Event.payment_intent_id == payment_intent_id)
    if types:
        stmt = stmt.where(Event.type.in_(types))
    if delivery_success is True:
        stmt = stmt.where(Event.fanout_pending == false(), Event.pending_webhooks == 0)
    elif delivery_success is False:
        # 0 written, not bound: a generic plan must still find ix_events_scope_undelivered's condition in it.
        stmt = stmt.where((Event.fanout_pending == true()) | (Event.pending_webhooks > literal_column("0")))
    return await paginate(session, stmt, Event, page, object_name="event")


def _commit_ordered(session: AsyncSession) -> bool:
    """PostgreSQL commits concurrent writers in any order; SQLite runs them one at a time."""
    return session.get_bind().dialect.name == "postgresql"


async def listen_after(
    session: AsyncSession, scope: Scope, txid: int, pk: int, *, types: list[str] | None, limit: int
) -> Sequence[Event]:
    """The merchant's events after position (txid, pk), in commit order: see `lynk.core.txids`.
    On PostgreSQL only events whose transaction is below the settled horizon, ordered by (txid, pk);
    on SQLite by pk."""
    stmt = scoped_select(Event, scope.merchant_id, scope.livemode)
    if types:
        stmt = stmt.where(Event.type.in_(types))
    if _commit_ordered(session):
        stmt = stmt.where(Event.txid < settled_horizon(), tuple_(Event.txid, Event.pk) > tuple_(txid, pk))
        stmt = stmt.order_by(Event.txid.asc(), Event.pk.asc())
    else:
        stmt = stmt.where(Event.pk > pk).order_by(Event.pk.asc())
    return (await session.scalars(stmt.limit(limit))).all()


async def listen_now(session: AsyncSession, scope: Scope) -> tuple[int, int]:
    """The position after every event committed so far. On SQLite (0, the newest pk). On PostgreSQL
    the later of (the settled horizon, 0) and the newest event this merchant can see above the horizon:
    while an older transaction is open the horizon lags, and starting there would hand out again
    events committed before `now` (an event still in flight below the newest visible one is then
    taken as begun before `now`)."""
    if _commit_ordered(session):
        horizon: int = (await session.execute(select(settled_horizon()))).scalar_one()
        newest = (
            scoped_select(Event, scope.merchant_id, scope.livemode)
            .with_only_columns(Event.txid, Event.pk)
            .where(Event.txid >= horizon)
            .order_by(Event.txid.desc(), Event.pk.desc())
            .limit(1)
        )
        seen = (await session.execute(newest)).first()
        return (seen[0] or horizon, seen[1]) if seen is not None else (horizon, 0)
    return 0, await latest_pk(session, scope) or 0


async def latest_pk(session: AsyncSession, scope: Scope) -> int | None:
    stmt = scoped_select(Event, scope.merchant_id, scope.livemode).with_only_columns(Event.pk)
    found: int | None = (await session.execute(stmt.order_by(Event.pk.desc()).limit(1))).scalar()
    return found


async def claim_fanout(session: AsyncSession, limit: int) -> Sequence[Row[str, str, bool, str, int]]:
    """(id, merchant_id, livemode, type, created) of events not yet fanned out, locked; concurrent workers skip
    each other's rows. Columns, not ORM objects: the fan-out needs no more, and a batch loads in a fraction."""
    stmt = (
        select(Event.id, Event.merchant_id, Event.livemode, Event.type, Event.created)
        .where(Event.fanout_pending == true())
        .order_by(Event.pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).all()


async def by_ids(session: AsyncSession, ids: Sequence[str]) -> Sequence[Event]:
    if not ids:
        return []
    return (await session.scalars(select(Event).where(Event.id.in_(list(ids))))).all()


async def lock(session: AsyncSession, event_ids: Sequence[str]) -> list[str]:
    if not event_ids:
        return []
    stmt = select(Event.id).where(Event.id.in_(list(event_ids))).order_by(Event.id).with_for_update()
    return list((await session.scalars(stmt)).all())


async def set_counts(session: AsyncSession, counts: Mapping[str, int], *, fanned_out: bool) -> None:
    """`pending_webhooks` of these events (and, with `fanned_out`, the mark cleared), grouped by value:
    a batch of events mostly shares one count, so this is a statement or two, not one per event."""
    by_count: dict[int, list[str]] = defaultdict(list)
    for event_id, count in counts.items():
        by_count[count].append(event_id)
    for count, ids in sorted(by_count.items()):
        values: dict[str, Any] = {"pending_webhooks": count}
        if fanned_out:
            values["fanout_pending"] = False
        # Events loaded in this session see the change (`evaluate`: in Python, no query), e.g. a resend's.
        stmt = update(Event).where(Event.id.in_(ids)).values(values)
        await session.execute(stmt, execution_options={"synchronize_session": "evaluate"})


async def purge_before(session: AsyncSession, cutoff: int, limit: int) -> list[str]:
    victims = select(Event.pk, Event.id).where(Event.created < cutoff).order_by(Event.pk).limit(limit)
    rows = (await session.execute(victims)).all()
    if not rows:
        return []
    await session.execute(delete(Event).where(Event.pk.in_([pk for pk, _ in rows])))
    return [event_id for _, event_id in rows]


async def awaiting_fanout(session: AsyncSession) -> tuple[int, int | None]:
    """How many events wait for their deliveries to be made, and when the oldest was created."""
    count, oldest = (
        await session.execute(select(func.count(), func.min(Event.created)).where(Event.fanout_pending == true()))
    ).one()
    return int(count), oldest
