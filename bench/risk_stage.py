"""The risk stage alone: `assess` (signals, velocity windows, network history, score, rules) in-process on
PostgreSQL, with its windows full of traffic, and its p50/p99 (issue 16's target: at most 2 ms p99).

A fresh database is created, migrated and seeded directly with `--attempts` card attempts over the last
week (cards, IP addresses, emails, devices, Link accounts and merchants reused as real traffic would),
plus a custom rule reading a value list for the measured merchant; then `assess` runs `--runs` times,
each in its own read transaction, already begun, as the confirm pipeline calls it. With `--redis` the windows are
counted in that Redis instead (seeded too; its `lynk:radar:test:*` keys of the bench values stay until they
expire: use a database of its own, as in the example). The database is dropped afterwards. Besides the wall
time, it prints this process's CPU time in the stage (`time.process_time()`: less bent by other processes
on a loaded machine than the wall time, though not untouched by them).

    .venv/bin/python bench/risk_stage.py [--attempts 50000] [--runs 2000] [--redis redis://127.0.0.1:6379/9]

Profile it with py-spy: `.venv/bin/py-spy record -o stage.svg -- .venv/bin/python bench/risk_stage.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, text

from lynk.core.config import async_database_url
from lynk.core.db import Database
from lynk.core.migrate import upgrade
from lynk.core.scope import Scope
from lynk.models import RiskAttempt
from lynk.radar import redis_windows, value_lists
from lynk.radar import service as radar
from lynk.radar.assessment import Limits, assess
from lynk.radar.signals import PaymentFacts

sys.path.insert(0, str(Path(__file__).parent))  # the other benchmarks' helpers, as a plain module
import api_baseline as base

MERCHANT = "acct_bench_stage"


def _row(now: int, rng: random.Random) -> dict[str, object]:
    card = rng.randrange(20_000)
    return {
        "created": now - rng.randrange(7 * 86400),
        "merchant_id": f"acct_bench_{rng.randrange(50)}" if rng.random() < 0.9 else MERCHANT,
        "livemode": False,
        "payment_intent_id": f"pi_{uuid.uuid4().hex[:20]}",
        "charge_id": f"ch_{uuid.uuid4().hex[:20]}",
        "fingerprint": f"fp_{card}",
        "ip_address": f"198.51.{rng.randrange(100)}.{rng.randrange(250)}",
        "email": f"shopper{card % 15_000}@example.com",
        "device": f"dev_{card % 12_000}" if rng.random() < 0.3 else None,
        "link_account": f"csmr_{card % 10_000}" if rng.random() < 0.3 else None,
        "result": rng.choice(("authorized",) * 9 + ("declined",)),
        "risk_score": rng.randrange(40),
        "attributes": {},
        "fraud_report": None,
    }


async def seed(db: Database, attempts: int, now: int, redis_url: str | None) -> None:
    rng = random.Random(7)
    for start in range(0, attempts, 5000):
        rows = [_row(now, rng) for _ in range(min(5000, attempts - start))]
        async with db.transaction() as session:
            await session.execute(insert(RiskAttempt), rows)
        for row in rows if redis_url else ():
            fields = {
                c: row[c] for c in ("fingerprint", "ip_address", "email", "device", "link_account", "merchant_id")
            }
            await redis_windows.add(
                redis_url or "", False, int(str(row["created"])), str(row["charge_id"]), str(row["result"]), fields
            )
    scope = Scope(MERCHANT, False)
    async with db.transaction() as session:
        made = await value_lists.create(
            session, scope, alias="vip_emails", name="VIPs", item_type="email", metadata=None, now=now
        )
        await value_lists.add_item(session, scope, made.id, "vip@example.com", now=now)
        await radar.create_rule(session, scope, "block", ":amount_in_usd: > 5000", now=now)
        await radar.create_rule(session, scope, "allow", ":email: IN @vip_emails", now=now)


async def measure(db: Database, runs: int, now: int, redis_url: str | None) -> tuple[list[float], list[float]]:
    """Each run's wall time and this process's CPU time (user and system) in `assess`, in ms, each sorted."""
    rng, scope, timings, cpu = random.Random(11), Scope(MERCHANT, False), [], []
    limits = Limits(redis_url=redis_url)
    for i in range(runs):
        card = rng.randrange(20_000)
        facts = PaymentFacts(
            payment_intent_id=f"pi_stage_{i}",
            amount=rng.randrange(500, 30_000),
            currency="usd",
            fingerprint=f"fp_{card}",
            bin="424242",
            last4="4242",
            brand="visa",
            funding="credit",
            card_country="US",
            email=f"shopper{card % 15_000}@example.com",
            ip_address=f"198.51.{rng.randrange(100)}.{rng.randrange(250)}",
            customer_id=None,
            description=None,
            link=i % 3 == 0,
            device=f"dev_{card % 12_000}" if i % 3 == 0 else None,
            link_account=f"csmr_{card % 10_000}" if i % 3 == 0 else None,
        )
        async with db.transaction(write=False) as session:
            # The confirm pipeline's transaction is open before the stage (the payment was read in it): the
            # BEGIN, sent with a session's first statement, is not the stage's.
            await session.execute(text("SELECT 1"))
            started, cpu_started = time.perf_counter(), time.process_time()
            await assess(session, scope, facts, now=now, limits=limits)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
    return sorted(timings), sorted(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--attempts", type=int, default=50_000, help="attempts seeded (default 50,000)")
    parser.add_argument("--runs", type=int, default=2000, help="timed runs of assess (default 2,000)")
    parser.add_argument("--redis", default=None, help="count the windows in this Redis (default: the database)")
    args = parser.parse_args()
    db_name = f"lynk_stage_{uuid.uuid4().hex[:12]}"
    asyncio.run(base.admin_sql(base.ADMIN_URL, f'CREATE DATABASE "{db_name}"'))
    url = f"{base.ADMIN_URL.rpartition('/')[0]}/{db_name}"
    try:
        upgrade(async_database_url(url))

        async def run() -> tuple[list[float], list[float]]:
            db = Database(async_database_url(url), pool_size=2)
            now = int(time.time())
            try:
                await seed(db, args.attempts, now, args.redis)
                await measure(db, 200, now, args.redis)  # warm-up: caches, the pool, plans
                return await measure(db, args.runs, now, args.redis)
            finally:
                await db.dispose()

        timings, cpu = asyncio.run(run())
        p50, p90, p99 = (base.percentile(timings, q) for q in (0.5, 0.9, 0.99))
        cpu50, cpu99 = (base.percentile(cpu, q) for q in (0.5, 0.99))
        store = f"Redis {args.redis}" if args.redis else "PostgreSQL"
        print(f"risk stage ({args.runs} runs, {args.attempts} attempts seeded, windows in {store}):")
        print(f"p50 {p50:.2f} ms, p90 {p90:.2f} ms, p99 {p99:.2f} ms, max {timings[-1]:.2f} ms")
        print(f"CPU of this process in the stage: p50 {cpu50:.2f} ms, p99 {cpu99:.2f} ms")
        return 0
    finally:
        asyncio.run(base.admin_sql(base.ADMIN_URL, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


if __name__ == "__main__":
    sys.exit(main())
