"""Dashboard payments list and event browser over a large history: seed N charges and N events for one merchant
(plus another merchant's, so scoping matters), then time the `/dashboard/payments` and `/dashboard/developers/events`
pages in-process (the app through httpx's ASGI transport: server time, no network), first page, a page deep in the
cursor, and with filters. Prints figures only.

    .venv/bin/python bench/dashboard_list.py [--charges 100000] [--database-url sqlite:////tmp/x.db] [--repeat 20]

Without `--database-url` it uses a new SQLite file in a temporary folder. For PostgreSQL pass an empty
database's URL (`postgresql://postgres@127.0.0.1:5432/bench_dashboard`, created beforehand).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import insert, text

from lynk.api.app import create_app
from lynk.core import migrate
from lynk.core.config import API_VERSION, Settings, async_database_url
from lynk.core.db import Database
from lynk.dashboard import service as dashboard
from lynk.dashboard.web import SESSION_COOKIE
from lynk.merchants import service as merchants
from lynk.models import Charge, Event
from lynk.vault.keyring import new_key_text

BATCH = 5000


def _charge(i: int, merchant_id: str, now: int) -> dict[str, object]:
    return {
        "id": f"ch_bench{merchant_id[-6:]}{i:09d}",
        "created": now - i * 7,
        "merchant_id": merchant_id,
        "livemode": False,
        "metadata_": {},
        "payment_intent_id": f"pi_bench{i:09d}",
        "amount": 500 + i % 20000,
        "amount_captured": 500 + i % 20000,
        "amount_refunded": 0,
        "currency": "usd",
        "status": "failed" if i % 17 == 0 else "succeeded",
        "captured": True,
        "paid": True,
        "customer_id": f"cus_bench{i % 3000}",
        "payment_method_id": f"pm_bench{i}",
        "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": f"{i % 10000:04d}"}},
        "outcome": {"type": "authorized", "risk_level": "normal"},
        "disputed": False,
    }


def _event(i: int, merchant_id: str, now: int) -> dict[str, object]:
    kind = "charge.failed" if i % 17 == 0 else "charge.succeeded"
    charge = {"id": f"ch_bench{merchant_id[-6:]}{i:09d}", "object": "charge", "payment_intent": f"pi_bench{i:09d}"}
    return {
        "id": f"evt_bench{merchant_id[-6:]}{i:09d}",
        "created": now - i * 7,
        "merchant_id": merchant_id,
        "livemode": False,
        "type": kind,
        "api_version": API_VERSION,
        "data": {"object": charge},
        "fanout_pending": False,
        "pending_webhooks": 0,
        "payment_intent_id": charge["payment_intent"],
    }


async def seed(db: Database, count: int, now: int) -> tuple[str, str]:
    async with db.transaction() as session:
        merchant, _keys = await merchants.create_merchant(session, "Bench shop", now=now)
        other, _ = await merchants.create_merchant(session, "Other shop", now=now)
        # An admin: it sees the payments list as every role does, and the event browser too.
        user, _token = await dashboard.create_user(session, merchant.id, "bench@shop.example", "admin", now=now)
        secret = await dashboard.start_session(session, user, "active", now=now)
    for owner, total in ((merchant.id, count), (other.id, count // 10)):
        for start in range(0, total, BATCH):
            rows = [_charge(i, owner, now) for i in range(start, min(total, start + BATCH))]
            events = [_event(i, owner, now) for i in range(start, min(total, start + BATCH))]
            async with db.transaction() as session:
                await session.execute(insert(Charge), rows)
                await session.execute(insert(Event), events)
    async with db.transaction() as session:  # fresh statistics, as autovacuum (or SQLite's optimize) keeps them
        await session.execute(text("ANALYZE"))
    return merchant.id, secret


async def run(args: argparse.Namespace, folder: Path, url: str) -> None:
    settings = Settings(home=folder, database_url=url, master_key=new_key_text(), inprocess_worker=False)
    db = Database(url)
    now = int(time.time())
    began = time.perf_counter()
    _merchant, secret = await seed(db, args.charges, now)
    seconds = time.perf_counter() - began
    print(
        f"seeded {args.charges} charges and as many events (+{args.charges // 10} of another merchant) "
        f"in {seconds:.1f} s"
    )
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", cookies={SESSION_COOKIE: secret}
    ) as http:
        deep = f"ch_bench{_merchant[-6:]}{args.charges // 2:09d}"
        cases = {
            "first page": "/dashboard/payments",
            "page after the middle (cursor)": f"/dashboard/payments?after={deep}",
            "status=failed": "/dashboard/payments?status=failed",
            "amount 100-120": "/dashboard/payments?amount_min=100&amount_max=120",
            "last4=4242": "/dashboard/payments?last4=4242",
            "customer": "/dashboard/payments?customer=cus_bench42",
            "events: first page": "/dashboard/developers/events",
            "events: after the middle (cursor)": f"/dashboard/developers/events?after={deep.replace('ch_', 'evt_')}",
            "events: type=charge.failed": "/dashboard/developers/events?type=charge.failed",
            "events: one payment": f"/dashboard/developers/events?payment=pi_bench{args.charges // 2:09d}",
        }
        print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'rows':>5}")
        for name, path in cases.items():
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                answer = await http.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
            rows = answer.text.count('<tr id="ch_') + answer.text.count('<tr id="evt_')
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
            print(f"{name:34} {statistics.median(times):10.1f} {p95:8.1f} {rows:5d}")
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--charges", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lynk-bench-dashboard-"))
    url = async_database_url(args.database_url or f"sqlite:///{folder / 'bench.db'}")
    migrate.upgrade(url)  # runs its own event loop: before ours
    asyncio.run(run(args, folder, url))


if __name__ == "__main__":
    main()
