"""Velocity windows in Redis, when `LYNK_REDIS_URL` is set: the same counts as `velocity.counts_many`,
shared by every process, without a database scan per payment.

Per dimension value (a card, an IP address, an email, a device, a Link account, a merchant, a
PaymentIntent), sorted sets scored by the attempt's time:
- `lynk:radar:{mode}:{dimension}:{value}:{all|declined|authorized}`: one member per attempt (its charge);
  a window's count is a `ZCOUNT` from its start;
- `…:{value}:d:{column}`: the distinct cards, merchants or emails seen with it, scored by when each was
  last seen; a window's distinct count is a `ZCOUNT` from its start too.
A card's sets are kept network-wide and per merchant (`fingerprint@acct_…`), for Stripe's shared test
cards. Every key expires a day after the weekly window, and is trimmed to it on each write. Reads of all a
payment's dimensions are one pipelined round trip; so is the write.

`radar_attempts` in the database stays the record (network history, the rule test), and the windows
fall back to it whenever Redis cannot be reached. An attempt counts in Redis as soon as it is recorded,
even if its transaction later rolls back (a rare over-count, never an under-count).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from lynk.radar.velocity import DECLINED, WINDOWS, Dimension

log = logging.getLogger(__name__)
PREFIX = "lynk:radar"
WEEK = WINDOWS["weekly"]
TTL = WEEK + 86400
DISTINCT = ("fingerprint", "merchant_id", "email")
KINDS = ("all", "declined", "authorized")

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, aioredis.Redis]] = weakref.WeakKeyDictionary()


class Unavailable(Exception):
    """Redis could not be reached: count in the database instead."""


def client(url: str) -> aioredis.Redis:
    """One client per URL and event loop (a client's connections belong to the loop that opened them)."""
    by_url = _clients.setdefault(asyncio.get_running_loop(), {})
    found = by_url.get(url)
    if found is None:
        found = by_url[url] = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
    return found


def _base(livemode: bool, column: str, value: str, merchant_id: str | None = None) -> str:
    mode = "live" if livemode else "test"
    scoped = f"{column}@{merchant_id}" if merchant_id is not None else column
    return f"{PREFIX}:{mode}:{scoped}:{value}"


async def counts_many(url: str, livemode: bool, now: int, dims: Sequence[Dimension]) -> list[dict[str, int]]:
    """What `velocity.counts_many` returns, from Redis."""
    try:
        async with client(url).pipeline(transaction=False) as pipe:
            for dim in dims:
                base = _base(livemode, dim.column, dim.value, dim.merchant_id)
                for name in dim.windows:
                    seconds = WINDOWS[name]
                    for kind in KINDS:
                        pipe.zcount(f"{base}:{kind}", now - seconds, "+inf")
                    for column in dim.distinct:
                        pipe.zcount(f"{base}:d:{column}", now - seconds, "+inf")
            answers = iter(await pipe.execute())
    except (RedisError, OSError) as error:
        log.warning("Radar windows: Redis unreachable (%s); counting in the database", type(error).__name__)
        raise Unavailable() from error
    found: list[dict[str, int]] = []
    for dim in dims:
        out: dict[str, int] = {}
        for name in dim.windows:
            for label in ("total", "declined", "authorized"):  # the order of KINDS
                out[f"{label}_{name}"] = int(next(answers))
            for column in dim.distinct:
                out[f"distinct_{column}_{name}"] = int(next(answers))
        found.append(out)
    return found


async def add(url: str, livemode: bool, created: int, charge_id: str, result: str, row: Mapping[str, Any]) -> None:
    """Count one attempt in the windows of each of its dimensions (`row`: column → value, None when unknown)."""
    kinds = ["all"] + (["declined"] if result in DECLINED else []) + (["authorized"] if result == "authorized" else [])
    merchant_id = row.get("merchant_id")
    bases = [_base(livemode, column, str(value)) for column, value in row.items() if value]
    if row.get("fingerprint") and merchant_id:
        bases.append(_base(livemode, "fingerprint", str(row["fingerprint"]), str(merchant_id)))
    try:
        async with client(url).pipeline(transaction=False) as pipe:
            for base in bases:
                for kind in kinds:
                    _zadd(pipe, f"{base}:{kind}", charge_id, created)
                for column in DISTINCT:
                    value = row.get(column)
                    if value and not base.startswith(f"{PREFIX}:{'live' if livemode else 'test'}:{column}:"):
                        _zadd(pipe, f"{base}:d:{column}", str(value), created)
            await pipe.execute()
    except (RedisError, OSError) as error:
        log.warning("Radar windows: Redis unreachable (%s); attempt counted in the database only", type(error).__name__)


def _zadd(pipe: Any, key: str, member: str, created: int) -> None:
    pipe.zadd(key, {member: created}, gt=True)  # adds, or keeps a member's latest time (distinct: last seen)
    pipe.zremrangebyscore(key, "-inf", created - WEEK - 1)
    pipe.expire(key, TTL)
