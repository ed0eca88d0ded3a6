"""Periodic upkeep run inside `lynk serve` (unless `--no-worker`): purge expired idempotency keys."""

from __future__ import annotations

import asyncio
import logging

from lynk.core.clock import unix
from lynk.idempotency import service as idempotency
from lynk.wire.routing import Runtime

log = logging.getLogger("lynk.maintenance")


async def run_once(runtime: Runtime) -> int:
    purged = await idempotency.purge_expired(
        runtime.db,
        now=unix(runtime.clock),
        retention_seconds=runtime.settings.idempotency_retention_seconds,
    )
    if purged:
        log.info("purged %d expired idempotency keys", purged)
    return purged


async def run_forever(runtime: Runtime) -> None:
    while True:
        try:
            await run_once(runtime)
        except Exception:
            log.exception("maintenance pass failed; will try again")
        await asyncio.sleep(runtime.settings.maintenance_interval_seconds)
