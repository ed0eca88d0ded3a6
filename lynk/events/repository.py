"""All queries on events; every one is scoped to a merchant and mode."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import Event


async def add(session: AsyncSession, event: Event) -> None:
    session.add(event)
    await session.flush()


async def get(session: AsyncSession, scope: Scope, event_id: str) -> Event | None:
    found: Event | None = await scoped_get(
        session, scoped_select(Event, scope.merchant_id, scope.livemode), Event, event_id
    )
    return found


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest, *, types: list[str] | None) -> Page[Event]:
    stmt = scoped_select(Event, scope.merchant_id, scope.livemode)
    if types:
        stmt = stmt.where(Event.type.in_(types))
    return await paginate(session, stmt, Event, page, object_name="event")
