"""Test clock use cases: create, read, advance, delete. Test mode only.

A test clock's customers live on its time: advancing the clock by Δ makes the clock-driven jobs
(bank settlement, authorization expiry, dispute review and deadlines) run for those customers'
objects as if Δ had passed (`lynk.api.test_clocks` runs them). Objects keep their real `created`
times; what moves is the clock's `frozen_time` and its `shift` (the sum of its advances).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import TestClock
from lynk.test_clocks import repository
from lynk.test_clocks.errors import FrozenTimeNotAhead, TestClockNotFound, TestClocksTestModeOnly
from lynk.test_clocks.objects import test_clock_object

LIFETIME_SECONDS = 30 * 24 * 3600  # Stripe deletes a test clock 30 days after it was created


def _test_mode(scope: Scope) -> None:
    if scope.livemode:
        raise TestClocksTestModeOnly()


async def create(session: AsyncSession, scope: Scope, *, frozen_time: int, name: str | None, now: int) -> TestClock:
    _test_mode(scope)
    clock = TestClock(
        id=new_id("clock"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_={},
        name=name,
        frozen_time=frozen_time,
        shift=0,
        status="ready",
        deletes_after=now + LIFETIME_SECONDS,
        deleted_at=None,
    )
    await repository.add(session, clock)
    await events.record(session, scope, "test_helpers.test_clock.created", test_clock_object(clock), now=now)
    return clock


async def get(
    session: AsyncSession, scope: Scope, clock_id: str, *, param: str = "id", for_update: bool = False
) -> TestClock:
    _test_mode(scope)
    found = await repository.get(session, scope, clock_id, for_update=for_update)
    if found is None:
        raise TestClockNotFound(clock_id, param=param)
    return found


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest) -> Page[TestClock]:
    _test_mode(scope)
    return await repository.list_page(session, scope, page)


async def start_advance(session: AsyncSession, scope: Scope, clock_id: str, *, frozen_time: int, now: int) -> TestClock:
    """Move the clock to `frozen_time` (status `advancing`); the caller runs the jobs, then `finish_advance`."""
    clock = await get(session, scope, clock_id, for_update=True)
    if frozen_time <= clock.frozen_time:
        raise FrozenTimeNotAhead(clock.frozen_time)
    clock.shift += frozen_time - clock.frozen_time
    clock.frozen_time = frozen_time
    clock.status = "advancing"
    await session.flush()
    await events.record(session, scope, "test_helpers.test_clock.advancing", test_clock_object(clock), now=now)
    return clock


async def finish_advance(session: AsyncSession, scope: Scope, clock: TestClock, *, now: int) -> TestClock:
    clock.status = "ready"
    await session.flush()
    await events.record(session, scope, "test_helpers.test_clock.ready", test_clock_object(clock), now=now)
    return clock


async def delete(session: AsyncSession, scope: Scope, clock_id: str, *, now: int) -> TestClock:
    clock = await get(session, scope, clock_id, for_update=True)
    clock.deleted_at = now
    await session.flush()
    await events.record(session, scope, "test_helpers.test_clock.deleted", test_clock_object(clock), now=now)
    return clock
