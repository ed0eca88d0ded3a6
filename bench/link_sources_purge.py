"""The upkeep's pruning of `link_sources` (the step-up's memory, link/step_up.py) on PostgreSQL: how long one
pass takes on a full table, and what its plan reads.

A fresh database is created, migrated and seeded with `--accounts` Link accounts of 2 to 4 sources each
(a browser and an IP address or two), last verified from over the past year: a tenth of the accounts idle
for longer than the retention (they keep everything), the rest verified lately, with about a third of their
sources older than the retention by 1 to 180 days. A pass reads only the sources that passed the retention
within the last `SWEEP_DAYS` (the rest go at their account's next verification), through the index on
`last_seen`; the first pass forgets those, the second (nothing left in the sweep) is what a pass costs
every minute. The database is dropped afterwards.

    .venv/bin/python bench/link_sources_purge.py [--accounts 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects import postgresql

from lynk.core.config import async_database_url
from lynk.core.db import Database
from lynk.core.migrate import upgrade
from lynk.link import repository, step_up
from lynk.models import LinkSource

sys.path.insert(0, str(Path(__file__).parent))  # the other benchmarks' helpers, as a plain module
import api_baseline as base

DAY = 86400


def _rows(accounts: int, now: int, rng: random.Random) -> list[dict[str, object]]:
    retention = step_up.SOURCE_RETENTION_DAYS * DAY
    rows: list[dict[str, object]] = []
    for n in range(accounts):
        idle = rng.random() < 0.1
        old = [idle or rng.random() < 0.35 for _ in range(rng.randrange(2, 5))]
        seen = [now - retention - rng.randrange(1, 180) * DAY if o else now - rng.randrange(retention) for o in old]
        if not idle and min(now - s for s in seen) > retention:
            seen[0] = now - DAY  # an account in use was verified from somewhere lately
        for kind, last_seen in zip(("browser", "ip", "ip", "browser"), seen, strict=False):
            rows.append(
                {
                    "account_id": f"csmr_{n}",
                    "kind": kind,
                    "value_hash": uuid.uuid4().hex,
                    "first_seen": last_seen,
                    "last_seen": last_seen,
                }
            )
    return rows


def _purge_sql(now: int) -> str:
    """The upkeep's statement, with its values, as PostgreSQL runs it (for EXPLAIN)."""
    cutoff = now - step_up.SOURCE_RETENTION_DAYS * DAY
    stmt = repository.purge_sources_statement(cutoff, cutoff - step_up.SWEEP_DAYS * DAY)
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


async def _run(url: str, accounts: int) -> None:
    db = Database(async_database_url(url), pool_size=2)
    now = int(time.time())
    try:
        rows = _rows(accounts, now, random.Random(16))
        async with db.transaction() as session:
            for start in range(0, len(rows), 5000):
                await session.execute(insert(LinkSource), rows[start : start + 5000])
        async with db.transaction() as session:
            await session.execute(text("ANALYZE link_sources"))
        for label in ("first pass", "next pass"):
            async with db.engine.connect() as conn:  # never committed: the plan's run is rolled back
                plan = await conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + _purge_sql(now)))
            print(f"{label}, its plan:")
            for (line,) in plan.all():
                print(f"  {line}")
            began = time.perf_counter()
            async with db.transaction() as session:
                gone = await step_up.forget(session, now)
            elapsed = (time.perf_counter() - began) * 1000
            print(f"{label}: {gone} sources forgotten in {elapsed:.1f} ms (the upkeep's transaction)")
        async with db.transaction() as session:
            left = await session.scalar(select(func.count()).select_from(LinkSource))
        print(f"{len(rows)} sources of {accounts} accounts seeded, {left} left")
    finally:
        await db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=100_000, help="Link accounts seeded (default 100,000)")
    args = parser.parse_args()
    db_name = f"lynk_sources_{uuid.uuid4().hex[:12]}"
    asyncio.run(base.admin_sql(base.ADMIN_URL, f'CREATE DATABASE "{db_name}"'))
    url = f"{base.ADMIN_URL.rpartition('/')[0]}/{db_name}"
    try:
        upgrade(async_database_url(url))
        asyncio.run(_run(url, args.accounts))
        return 0
    finally:
        asyncio.run(base.admin_sql(base.ADMIN_URL, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


if __name__ == "__main__":
    sys.exit(main())
