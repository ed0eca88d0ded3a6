"""Large-store benchmark: request latency with 1,000 payments stored, then with N (default 1,000,000).

Fresh PostgreSQL databases are created for the run and dropped afterwards (`--keep` keeps them); `lynk serve`
runs as a subprocess (helpers from `bench/api_baseline.py`). Two stores side by side, each its own database
and server: one merchant, `--customers` customers and `--templates` one-shot card payments made through the
API (spread over the customers), which `bench/seed.py` copies up to 1,000 payments in one store and up to N
in the other (with their charges, events, connector calls and ledger rows). Then one request at a time,
alternating between the stores so that whatever else loads the machine weighs on both alike:

- create+confirm: `POST /v1/payment_intents` (`pm_card_visa`, `confirm=true`, a customer, an Idempotency-Key)
- retrieve: `GET /v1/payment_intents/{id}` of ids drawn at random from everything stored
- list with filters: PaymentIntents by customer; PaymentIntents created before a point in the middle of the
  history; charges by PaymentIntent; charges by customer; events by type; balance transactions by type;
  balance transactions by source (a charge)

It prints p50/p99 ms per request kind at both sizes and the ratio of the p50s (target: at most 1.2).
Figures only: nothing asserts on speed.

    .venv/bin/python bench/large_store.py [--payments 1000000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import api_baseline as base  # bench/ is the script's folder, so on sys.path
import httpx
import seed as seeding
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from lynk.core import migrate
from lynk.core.config import async_database_url

KINDS = (
    "create+confirm",
    "retrieve",
    "list intents by customer",
    "list intents by created",
    "list charges by intent",
    "list charges by customer",
    "list events by type",
    "list balance txns by type",
    "list balance txns by source",
)


async def _sample(url: str, sql: str) -> list[str]:
    engine = create_async_engine(async_database_url(url))
    try:
        async with engine.connect() as conn:
            return [str(value) for value in (await conn.execute(text(sql))).scalars()]
    finally:
        await engine.dispose()


class Store:
    """One database with its own `lynk serve`, a merchant, customers and template payments."""

    def __init__(self, tmp: Path, args: argparse.Namespace) -> None:
        self.name = f"lynk_bench_{uuid.uuid4().hex[:12]}"
        asyncio.run(base.admin_sql(base.ADMIN_URL, f'CREATE DATABASE "{self.name}"'))
        self.url = f"{base.ADMIN_URL.rpartition('/')[0]}/{self.name}"
        migrate.upgrade(async_database_url(self.url))
        env = {
            **os.environ,
            "LYNK_DATABASE_URL": self.url,
            "LYNK_HOME": str(tmp),
            "LYNK_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        }
        port = base.free_port()
        self.proc = base.start_server(env, port, 1, tmp / "server.log")
        base.wait_healthy(f"http://127.0.0.1:{port}", self.proc)
        headers = {"Authorization": f"Bearer {base.create_merchant(env)}"}
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60, trust_env=False)
        self.customers = [
            self.http.post("/v1/customers", data={"name": f"C{i}"}).json()["id"] for i in range(args.customers)
        ]
        for i in range(args.templates):
            made = self.http.post(
                "/v1/payment_intents", data=self.payment(1000 + i, self.customers[i % args.customers])
            )
            assert made.status_code == 200 and made.json()["status"] == "succeeded", made.text
        self.merchant = asyncio.run(_sample(self.url, "SELECT id FROM merchants"))[0]

    @staticmethod
    def payment(amount: int, customer: str) -> dict[str, str]:
        card = {"payment_method": "pm_card_visa", "confirm": "true", "customer": customer}
        return {"amount": str(amount), "currency": "usd", **card}

    def requests(self) -> dict[str, Callable[[], httpx.Response]]:
        """One request of each kind (ids drawn at random from everything stored)."""
        intents = asyncio.run(_sample(self.url, "SELECT id FROM payment_intents ORDER BY random() LIMIT 500"))
        charges = asyncio.run(_sample(self.url, "SELECT id FROM charges ORDER BY random() LIMIT 500"))
        span = "SELECT min(created) FROM payment_intents UNION ALL SELECT max(created) FROM payment_intents"
        oldest, newest = (int(v) for v in asyncio.run(_sample(self.url, span)))
        middle = str((oldest + newest) // 2)
        pick: Callable[[list[str]], str] = random.choice
        http = self.http
        return {
            "create+confirm": lambda: http.post(
                "/v1/payment_intents",
                data=self.payment(2000, pick(self.customers)),
                headers={"Idempotency-Key": str(uuid.uuid4())},
            ),
            "retrieve": lambda: http.get(f"/v1/payment_intents/{pick(intents)}"),
            "list intents by customer": lambda: http.get(
                "/v1/payment_intents", params={"customer": pick(self.customers)}
            ),
            "list intents by created": lambda: http.get("/v1/payment_intents", params={"created[lte]": middle}),
            "list charges by intent": lambda: http.get("/v1/charges", params={"payment_intent": pick(intents)}),
            "list charges by customer": lambda: http.get("/v1/charges", params={"customer": pick(self.customers)}),
            "list events by type": lambda: http.get("/v1/events", params={"type": "charge.succeeded"}),
            "list balance txns by type": lambda: http.get("/v1/balance_transactions", params={"type": "charge"}),
            "list balance txns by source": lambda: http.get(
                "/v1/balance_transactions", params={"source": pick(charges)}
            ),
        }

    def close(self, keep: bool) -> None:
        self.http.close()
        base.stop_server(self.proc)
        if keep:
            print(f"database kept: {self.url}")
        else:
            asyncio.run(base.admin_sql(base.ADMIN_URL, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


def measure(stores: list[Store], count: int) -> list[dict[str, list[float]]]:
    """`count` requests of each kind on each store, one at a time, alternating between the stores (so
    whatever else loads the machine weighs on both alike); the latencies in ms, per store."""
    requests = [store.requests() for store in stores]
    found: list[dict[str, list[float]]] = [{} for _ in stores]
    for kind in KINDS:
        for send in requests:
            for _ in range(min(20, count)):  # warm-up: caches, prepared statements
                send[kind]()
        for i in range(count):
            order = list(range(len(stores)))
            if i % 2:
                order.reverse()
            for n in order:
                began = time.perf_counter()
                response = requests[n][kind]()
                found[n].setdefault(kind, []).append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{kind}: {response.status_code} {response.text[:300]}")
    return found


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind at each size")
    parser.add_argument("--templates", type=int, default=50)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = parser.parse_args()

    stores: list[Store] = []
    seeded: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lynk-bench-") as tmp:
        try:
            for size in (1_000, args.payments):
                folder = Path(tmp) / str(size)
                folder.mkdir()
                store = Store(folder, args)
                stores.append(store)
                made, seconds = asyncio.run(seeding.seed(store.url, store.merchant, payments=size))
                seeded.append(f"seeded {made} payments in {seconds:.1f} s ({made / max(seconds, 1e-9):.0f}/s)")
            sizes = [int(asyncio.run(_sample(s.url, "SELECT count(*) FROM payment_intents"))[0]) for s in stores]
            figures = dict(zip(sizes, measure(stores, args.requests), strict=True))
        finally:
            for store in stores:
                store.close(args.keep)

    small, large = sorted(figures)
    print(*seeded, sep="\n")
    print(f"{'request (one at a time)':28} {'p50 ms':>8} {'p99 ms':>8}   {'p50 ms':>8} {'p99 ms':>8}   p50 ratio")
    print(f"{'':28} {f'{small:,} stored':>17}   {f'{large:,} stored':>17}")
    for kind in KINDS:
        a, b = figures[small][kind], figures[large][kind]
        ratio = statistics.median(b) / statistics.median(a)
        print(f"{kind:28} {p(a, 0.5):8.1f} {p(a, 0.99):8.1f}   {p(b, 0.5):8.1f} {p(b, 0.99):8.1f}   {ratio:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
