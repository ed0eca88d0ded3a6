"""API-key authentication from a small in-process cache, so a request costs no key lookup.

An entry (a key's SHA-256 → its merchant, mode and kind) is trusted for `ttl` seconds after it was read
from the database, then read again: a key revoked in any process (another `lynk serve`, `lynk keys
revoke`) is refused everywhere within `ttl` (LYNK_AUTH_CACHE_SECONDS, default 1). A revocation in this
process clears every cache of the process as soon as it commits. Unknown and revoked keys are never
cached (a flood of made-up keys can't fill memory or push real ones out); at most `size` keys are kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
_generation = 0  # bumped when a revocation commits in this process


def forget_after_commit(session: AsyncSession) -> None:
    """Have every cache of this process drop its entries once `session`'s transaction commits."""

    def bump(_session: object) -> None:
        global _generation
        _generation += 1

    event.listen(session.sync_session, "after_commit", bump, once=True)


class KeyCache(Generic[T]):
    """One per app (so two servers in one test process don't share theirs)."""

    def __init__(self, *, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._generation = _generation

    def get(self, key_hash: str) -> T | None:
        if self._generation != _generation:
            self._entries.clear()
            self._generation = _generation
        found = self._entries.get(key_hash)
        if found is None:
            return None
        read_at, value = found
        if time.monotonic() - read_at >= self.ttl:
            del self._entries[key_hash]
            return None
        return value

    def put(self, key_hash: str, value: T, read_at: float) -> None:
        """Keep `value`, read from the database at `read_at` (monotonic, taken before the read)."""
        if self.ttl <= 0 or self._generation != _generation:
            return  # a revocation committed while this was read: don't keep what may be stale
        self._entries[key_hash] = (read_at, value)
        self._entries.move_to_end(key_hash)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
