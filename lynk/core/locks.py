"""Job locks: so that, of several processes running the same periodic job, one at a time does it.

On PostgreSQL a job takes a transaction-scoped advisory lock named after it
(`pg_try_advisory_xact_lock`): the first transaction to ask holds it until it commits or rolls
back; a concurrent one is told no at once and skips the job for this pass. Under READ COMMITTED,
a transaction that gets the lock after another released it sees that one's changes.

On SQLite a write transaction starts with `BEGIN IMMEDIATE`, which already lets one writer at a
time in and reads after it, so the lock is always granted.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (advisory locks are keyed by a bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


async def try_job_lock(session: AsyncSession, name: str) -> bool:
    """Take the lock named `name` for the rest of `session`'s transaction; False if another holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    granted: bool = (await session.execute(select(func.pg_try_advisory_xact_lock(lock_key(name))))).scalar_one()
    return granted
