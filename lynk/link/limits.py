"""Fixed-window counters against enumeration and code flooding (lookups and sends per IP, per merchant).

Two stores, one interface (`await limiter.hit(...)`):

- `MemoryLimiter` (the embedded default): counters in the serving process, one per database (so two
  servers in one test process do not share them);
- `RedisLimiter`, when `LYNK_REDIS_URL` is set: one Redis key per (kind, subject, window, slot), bumped
  with `INCR` and expiring with its window, so every `lynk serve` process behind a load balancer
  counts into the same windows. If Redis cannot be reached, the process falls back to its own
  counters (logged) rather than refusing every shopper or lifting the limits.

Per-account limits and the account lock are in the database instead (`codes.py`), so they hold
across processes either way.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from lynk.link.errors import TooManyRequests

log = logging.getLogger("lynk.link.limits")

PRUNE_EVERY_SECONDS = 60
KEY_PREFIX = "lynk:link:limit"


class Limiter(Protocol):
    async def hit(self, kind: str, subject: str, *, limit: int, window: int, now: int, what: str) -> None:
        """Count one event; refuse (429) once `limit` events happened in the current window."""

    async def count(self, kind: str, subject: str, *, window: int, now: int) -> int:
        """How many events were counted in the current window (counting none)."""

    async def mark(self, kind: str, subject: str, *, until: int, now: int) -> None:
        """Remember a deadline for `subject` (a lock) until it passes."""

    async def marked(self, kind: str, subject: str, *, now: int) -> int | None:
        """The deadline marked for `subject`, if it has not passed."""


class MemoryLimiter:
    def __init__(self) -> None:
        # (kind, subject, window length) -> (window number, count)
        self._counts: dict[tuple[str, str, int], tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._pruned_at = 0
        self._marks: dict[tuple[str, str], int] = {}  # (kind, subject) -> deadline

    async def hit(self, kind: str, subject: str, *, limit: int, window: int, now: int, what: str) -> None:
        self.hit_now(kind, subject, limit=limit, window=window, now=now, what=what)

    async def count(self, kind: str, subject: str, *, window: int, now: int) -> int:
        return self.count_now(kind, subject, window=window, now=now)

    async def mark(self, kind: str, subject: str, *, until: int, now: int) -> None:
        self.mark_now(kind, subject, until=until)

    def mark_now(self, kind: str, subject: str, *, until: int) -> None:
        with self._lock:
            if len(self._marks) > 10_000:  # drop deadlines long past, so the map stays small
                self._marks = {k: v for k, v in self._marks.items() if v > until - 86_400}
            self._marks[(kind, subject)] = until

    async def marked(self, kind: str, subject: str, *, now: int) -> int | None:
        return self.marked_now(kind, subject, now=now)

    def marked_now(self, kind: str, subject: str, *, now: int) -> int | None:
        with self._lock:
            until = self._marks.get((kind, subject))
        return until if until is not None and until > now else None

    def count_now(self, kind: str, subject: str, *, window: int, now: int) -> int:
        with self._lock:
            seen_slot, count = self._counts.get((kind, subject, window), (now // window, 0))
        return count if seen_slot == now // window else 0

    def hit_now(self, kind: str, subject: str, *, limit: int, window: int, now: int, what: str) -> None:
        slot = now // window
        with self._lock:
            if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
                self._pruned_at = now
                self._counts = {k: v for k, v in self._counts.items() if v[0] >= now // k[2]}
            key = (kind, subject, window)
            seen_slot, count = self._counts.get(key, (slot, 0))
            if seen_slot != slot:
                count = 0
            if count >= limit:
                raise TooManyRequests(what, (slot + 1) * window - now)
            self._counts[key] = (slot, count + 1)


class RedisLimiter:
    """Counters shared by every process that uses the same Redis database."""

    def __init__(self, client: aioredis.Redis, fallback: MemoryLimiter | None = None) -> None:
        self._client = client
        self._fallback = fallback or MemoryLimiter()

    @staticmethod
    def key(kind: str, subject: str, window: int, slot: int) -> str:
        return f"{KEY_PREFIX}:{kind}:{window}:{slot}:{subject}"

    async def hit(self, kind: str, subject: str, *, limit: int, window: int, now: int, what: str) -> None:
        slot = now // window
        key = self.key(kind, subject, window, slot)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, window + 1)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("rate-limit store unreachable (%s); counting in this process", type(error).__name__)
            self._fallback.hit_now(kind, subject, limit=limit, window=window, now=now, what=what)
            return
        if int(count) > limit:
            raise TooManyRequests(what, (slot + 1) * window - now)

    async def count(self, kind: str, subject: str, *, window: int, now: int) -> int:
        try:
            found = await self._client.get(self.key(kind, subject, window, now // window))
        except (RedisError, OSError) as error:
            log.warning("rate-limit store unreachable (%s); counting in this process", type(error).__name__)
            return self._fallback.count_now(kind, subject, window=window, now=now)
        return int(found or 0)

    async def mark(self, kind: str, subject: str, *, until: int, now: int) -> None:
        try:
            await self._client.set(f"{KEY_PREFIX}:mark:{kind}:{subject}", str(until), ex=max(1, until - now))
        except (RedisError, OSError) as error:
            log.warning("rate-limit store unreachable (%s); counting in this process", type(error).__name__)
            self._fallback.mark_now(kind, subject, until=until)

    async def marked(self, kind: str, subject: str, *, now: int) -> int | None:
        try:
            found = await self._client.get(f"{KEY_PREFIX}:mark:{kind}:{subject}")
        except (RedisError, OSError) as error:
            log.warning("rate-limit store unreachable (%s); counting in this process", type(error).__name__)
            return self._fallback.marked_now(kind, subject, now=now)
        until = int(found) if found is not None else None
        return until if until is not None and until > now else None

    async def aclose(self) -> None:
        await self._client.aclose()


_memory: weakref.WeakKeyDictionary[Any, MemoryLimiter] = weakref.WeakKeyDictionary()
_redis: weakref.WeakKeyDictionary[Any, dict[str, RedisLimiter]] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def limiter_for(owner: Any, redis_url: str | None = None) -> Limiter:
    """The limiter of one server (keyed by its database object): in Redis when `redis_url` is set."""
    with _registry_lock:
        memory = _memory.get(owner)
        if memory is None:
            memory = _memory[owner] = MemoryLimiter()
        if not redis_url:
            return memory
        by_url = _redis.setdefault(owner, {})
        found = by_url.get(redis_url)
        if found is None:
            client = aioredis.Redis.from_url(redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
            found = by_url[redis_url] = RedisLimiter(client, memory)
        return found


async def close_for(owner: Any) -> None:
    """Close the Redis connections of one server (at shutdown)."""
    with _registry_lock:
        limiters = list(_redis.pop(owner, {}).values())
    for limiter in limiters:
        await limiter.aclose()
