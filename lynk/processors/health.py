"""Per-processor health: success rate and latency over a sliding window, and a circuit breaker, shared by
every process serving the database (`processor_calls`, `processor_breakers`).

A call *succeeds* when the processor answered, a decline included; it *fails* when the outcome was
unknown or the processor unreachable (`ConnectorUnavailable`, a timeout included). Over the last `WINDOW`
calls of the last `WINDOW_SECONDS`, a processor with at least `MIN_CALLS` calls and a success rate under
`OPEN_BELOW` is tried after the others (the breaker opens). After `COOLDOWN_SECONDS` one call, in any
process, is let through as a probe (half-open; claimed by a conditional update, so one process gets it):
a call that answers while the breaker is open closes it and forgets the window, a failure opens it again.

Each call is a short write of its own (the router's `reading(session, write=True)`); calls older than
the window are deleted as new ones come. The clock is wall time (processes compare it); tests move it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.db import insert_on_conflict
from lynk.models import ProcessorBreaker, ProcessorCall

WINDOW = 50
WINDOW_SECONDS = 300.0
MIN_CALLS = 5
OPEN_BELOW = 0.5
COOLDOWN_SECONDS = 30.0


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


class HealthBoard:
    """Every processor's health, in the database. `clock` is wall-clock seconds (tests move it)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def _now(self) -> int:
        return _ms(self.clock())

    async def _breaker(self, session: AsyncSession, processor_id: str) -> ProcessorBreaker:
        """The processor's breaker row, made (closed) if it has none yet, locked for a change."""
        row = {"processor_id": processor_id, "opened_ms": None, "probe_ms": None, "since_ms": 0}
        insert = await insert_on_conflict(session, ProcessorBreaker)
        await session.execute(insert.values(row).on_conflict_do_nothing())
        stmt = select(ProcessorBreaker).where(ProcessorBreaker.processor_id == processor_id)
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
        breaker: ProcessorBreaker = (await session.scalars(stmt)).one()
        return breaker

    async def _recent(self, session: AsyncSession, processor_id: str, since_ms: int) -> list[ProcessorCall]:
        start = max(since_ms, self._now() - _ms(WINDOW_SECONDS))
        stmt = (
            select(ProcessorCall)
            .where(ProcessorCall.processor_id == processor_id, ProcessorCall.at_ms >= start)
            .order_by(ProcessorCall.at_ms.desc(), ProcessorCall.pk.desc())
            .limit(WINDOW)
        )
        return list((await session.scalars(stmt)).all())

    async def record(self, session: AsyncSession, processor_id: str, *, ok: bool, latency_s: float) -> None:
        now = self._now()
        session.add(ProcessorCall(processor_id=processor_id, at_ms=now, ok=ok, latency_ms=_ms(latency_s)))
        old = (ProcessorCall.processor_id == processor_id, ProcessorCall.at_ms < now - _ms(WINDOW_SECONDS))
        await session.execute(delete(ProcessorCall).where(*old))
        breaker = await self._breaker(session, processor_id)
        if breaker.opened_ms is not None:  # the probe (or a call made while open) decides
            breaker.probe_ms = None
            if ok:  # answered: close and start afresh from this call
                breaker.opened_ms, breaker.since_ms = None, now
            else:
                breaker.opened_ms = now
            await session.flush()
            return
        await session.flush()
        recent = await self._recent(session, processor_id, breaker.since_ms)
        successes = sum(1 for call in recent if call.ok)
        if len(recent) >= MIN_CALLS and successes / len(recent) < OPEN_BELOW:
            breaker.opened_ms = now
            await session.flush()

    async def verdict(self, session: AsyncSession, processor_id: str) -> Literal["closed", "open", "probe"]:
        """A read: `closed` (calls go through), `open` (not now), or `probe` (one call may go: claim it)."""
        stmt = select(ProcessorBreaker).where(ProcessorBreaker.processor_id == processor_id)
        breaker = (await session.scalars(stmt.execution_options(populate_existing=True))).first()
        if breaker is None or breaker.opened_ms is None:
            return "closed"
        now, cooldown = self._now(), _ms(COOLDOWN_SECONDS)
        if now - breaker.opened_ms < cooldown or (breaker.probe_ms is not None and now - breaker.probe_ms < cooldown):
            return "open"
        return "probe"

    async def allows(self, session: AsyncSession, processor_id: str) -> bool:
        """Whether routing may send a call now: closed, or open long enough for one probe (claimed here)."""
        verdict = await self.verdict(session, processor_id)
        return verdict == "closed" or (verdict == "probe" and await self.claim_probe(session, processor_id))

    async def claim_probe(self, session: AsyncSession, processor_id: str) -> bool:
        """Take the half-open probe, in one process only (a conditional update); False if another did."""
        now = self._now()
        stale = now - _ms(COOLDOWN_SECONDS)  # a probe whose call never reported: another may go
        claim = (
            update(ProcessorBreaker)
            .where(
                ProcessorBreaker.processor_id == processor_id,
                ProcessorBreaker.opened_ms.is_not(None),
                ProcessorBreaker.opened_ms <= stale,
                or_(ProcessorBreaker.probe_ms.is_(None), ProcessorBreaker.probe_ms < stale),
            )
            .values(probe_ms=now)
            .execution_options(synchronize_session=False)
        )
        claimed: Any = await session.execute(claim)
        return bool(claimed.rowcount == 1)

    async def report(self, session: AsyncSession, processor_id: str) -> dict[str, Any]:
        """What the API and the command line show: calls and success rate in the window, mean latency, the
        breaker's state."""
        stmt = select(ProcessorBreaker).where(ProcessorBreaker.processor_id == processor_id)
        breaker = (await session.scalars(stmt)).first()
        now = self._now()
        recent = await self._recent(session, processor_id, breaker.since_ms if breaker else 0)
        if breaker is None or breaker.opened_ms is None:
            state = "closed"
        elif breaker.probe_ms is not None or now - breaker.opened_ms >= _ms(COOLDOWN_SECONDS):
            state = "half_open"
        else:
            state = "open"
        latencies = [call.latency_ms for call in recent]
        return {
            "calls": len(recent),
            "success_rate": round(sum(1 for c in recent if c.ok) / len(recent), 4) if recent else None,
            "mean_latency_ms": round(sum(latencies) / len(latencies)) if latencies else None,
            "breaker": state,
            "window_seconds": int(WINDOW_SECONDS),
        }


BOARD = HealthBoard()
