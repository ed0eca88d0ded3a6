"""Is this Lynk ready to serve? The checks behind `/readyz` and `lynk doctor`.

Each check answers a `Check` and never raises: the database answers a query, its migrations are the
ones this Lynk ships (`lynk migrate` applied), Redis answers when `LYNK_REDIS_URL` is set, and the
vault's master key is loaded. `/readyz` runs them on the serving process's own database pool and
keyring; `lynk doctor` runs them on a configuration before anything is started, plus its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from lynk.core import migrate
from lynk.core.db import Database
from lynk.runtime import Runtime

CHECK_SECONDS = 3.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None
    warning: bool = False  # worth fixing, but Lynk runs (doctor only)


def redacted_url(url: str) -> str:
    """A database or Redis URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def _failure(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {CHECK_SECONDS:g} s"
    return f"{type(error).__name__}: {str(error)[:200]}"


@functools.cache
def _heads() -> frozenset[str]:
    return frozenset(migrate.head_revisions())


async def _bounded(work: Awaitable[None]) -> BaseException | None:
    try:
        await asyncio.wait_for(work, CHECK_SECONDS)
    except Exception as error:
        return error
    return None


async def database(db: Database) -> Check:
    async def query() -> None:
        async with db.transaction(write=False) as session:
            await session.execute(text("SELECT 1"))

    error = await _bounded(query())
    where = redacted_url(db.url)
    if error is not None:
        return Check("database", False, f"{where}: {_failure(error)}", "Start the database or fix LYNK_DATABASE_URL.")
    return Check("database", True, where)


async def migrations(db: Database) -> Check:
    found: set[str] = set()

    async def read() -> None:
        async with db.engine.connect() as connection:
            found.update(await connection.run_sync(migrate.current_revisions))

    error = await _bounded(read())
    if error is not None:
        return Check("migrations", False, _failure(error), "Fix the database first.")
    if found != _heads():
        at = ", ".join(sorted(found)) or "none"
        needed = ", ".join(sorted(_heads()))
        return Check("migrations", False, f"database at {at}, this Lynk needs {needed}", "Run `lynk migrate`.")
    return Check("migrations", True, f"at {', '.join(sorted(found))}")


async def redis(url: str | None) -> Check:
    if not url:
        return Check("redis", True, "not configured (limits counted per process)")
    client = aioredis.Redis.from_url(url, socket_timeout=CHECK_SECONDS, socket_connect_timeout=CHECK_SECONDS)

    async def ping() -> None:
        await client.ping()

    try:
        error = await _bounded(ping())
    finally:
        with contextlib.suppress(RedisError, OSError):
            await client.aclose()
    if error is not None:
        return Check("redis", False, f"{redacted_url(url)}: {_failure(error)}", "Start Redis or fix LYNK_REDIS_URL.")
    return Check("redis", True, redacted_url(url))


def vault_loaded(runtime: Runtime) -> Check:
    try:
        key = runtime.keyring.get(runtime.keyring.current.key_id)
    except Exception as error:
        return Check("vault", False, _failure(error), "Set LYNK_MASTER_KEY (see `lynk doctor`).")
    return Check("vault", True, f"master key {key.key_id} loaded")


async def readiness(runtime: Runtime) -> list[Check]:
    """The checks of `/readyz`, run concurrently on the serving process's own pool and keyring."""
    checks = await asyncio.gather(database(runtime.db), migrations(runtime.db), redis(runtime.settings.redis_url))
    return [*checks, vault_loaded(runtime)]
