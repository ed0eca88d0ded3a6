"""All queries on test_clocks, scoped to a merchant and mode."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import TestClock


def _live(scope: Scope) -> Select[Any]:
    return scoped_select(TestClock, scope.merchant_id, scope.livemode).where(TestClock.deleted_at.is_(None))


async def add(session: AsyncSession, clock: TestClock) -> None:
    session.add(clock)
    await session.flush()


async def get(session: AsyncSession, scope: Scope, clock_id: str, *, for_update: bool = False) -> TestClock | None:
    found: TestClock | None = await scoped_get(session, _live(scope), TestClock, clock_id, for_update=for_update)
    return found


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest) -> Page[TestClock]:
    return await paginate(session, _live(scope), TestClock, page, object_name="test_clock")
