"""Link rate-limit counters: the cost of one `hit` in process memory and in Redis (`LYNK_REDIS_URL`).

Each lookup and each code sent makes two hits (per IP, per merchant). This prints the latency of one
hit (p50/p99, microseconds) for the in-process counter and for the Redis counter (one `INCR` + `EXPIRE`
pipeline), sequentially and with `--concurrency` hits in flight, and the Redis hits per second. It uses
Redis database 15 by default and flushes it before and after. Figures only: nothing asserts on speed.

    .venv/bin/python bench/link_limits.py [--redis redis://127.0.0.1:6379/15] [--hits 5000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import redis.asyncio as aioredis

from lynk.link.limits import Limiter, MemoryLimiter, RedisLimiter

LIMIT = 10**9  # never refuse: the cost of counting is measured, not of refusing


def _quantiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] * 1e6, cuts[98] * 1e6


async def _sequential(limiter: Limiter, hits: int, now: int) -> list[float]:
    samples = []
    for index in range(hits):
        started = time.perf_counter()
        await limiter.hit("lookup_ip", f"198.51.100.{index % 200}", limit=LIMIT, window=60, now=now, what="lookups")
        samples.append(time.perf_counter() - started)
    return samples


async def _concurrent(limiter: Limiter, hits: int, concurrency: int, now: int) -> tuple[list[float], float]:
    samples: list[float] = []
    queue = iter(range(hits))

    async def worker() -> None:
        for index in queue:
            started = time.perf_counter()
            await limiter.hit("send_merchant", f"acct_{index % 50}", limit=LIMIT, window=600, now=now, what="codes")
            samples.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples, time.perf_counter() - started


async def main(url: str, hits: int, concurrency: int) -> None:
    now = int(time.time())
    memory = MemoryLimiter()
    p50, p99 = _quantiles(await _sequential(memory, hits, now))
    print(f"memory  sequential: p50 {p50:7.1f} µs  p99 {p99:7.1f} µs  ({hits} hits)")
    client = aioredis.Redis.from_url(url)
    await client.flushdb()
    shared = RedisLimiter(client)
    try:
        p50, p99 = _quantiles(await _sequential(shared, hits, now))
        print(f"redis   sequential: p50 {p50:7.1f} µs  p99 {p99:7.1f} µs  ({hits} hits)")
        samples, elapsed = await _concurrent(shared, hits, concurrency, now)
        p50, p99 = _quantiles(samples)
        print(f"redis   {concurrency:3d} in flight: p50 {p50:7.1f} µs  p99 {p99:7.1f} µs  {hits / elapsed:,.0f} hits/s")
    finally:
        await client.flushdb()
        await shared.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--hits", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.redis, args.hits, args.concurrency))
