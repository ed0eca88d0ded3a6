"""Webhooks benchmark: deliveries per second per worker, and the time from commit to delivery.

A fresh PostgreSQL database (or, with `--sqlite`, a SQLite file) is created for the run and dropped afterwards.
A local receiver (a small asyncio HTTP server in its own process, answering 200 with keep-alive) notes when each
event arrives. `lynk worker` processes (default settings, so a 0.25 s poll when idle) deliver:

1. backlog: `--events` events are committed first, then the workers start; the figures are deliveries per second
   between the first and the last arrival, overall and per worker, and from the workers' start (their log line
   "started") to the last arrival, which counts the fan-out of the backlog too; and deliveries per CPU-second
   the workers, the database server (PostgreSQL's backends for the bench database) and the receiver used
   between the first and the last arrival (less sensitive to what else runs on the machine);
2. live: the workers keep running while this script commits `--live-events` events one transaction each at
   `--rate` per second; the figure is p50/p99 of (arrival at the receiver - commit of the event).

Figures only: nothing asserts on speed.

    .venv/bin/python bench/webhooks.py [--workers 2] [--events 5000] [--live-events 1000] [--rate 100] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from lynk.core import migrate
from lynk.core.config import async_database_url
from lynk.core.db import Database
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.merchants import service as merchants
from lynk.vault.keyring import new_key_text
from lynk.webhooks import service as webhooks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def receive(port: int) -> None:
    """The receiver process: POST records (event id, arrival time); GET returns them all as JSON."""
    arrivals: dict[str, float] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                if head.startswith(b"POST"):
                    arrivals.setdefault(json.loads(body)["id"], time.time())
                    reply = b"{}"
                elif head.startswith(b"GET /count"):
                    reply = str(len(arrivals)).encode()
                else:
                    reply = json.dumps(arrivals).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(reply)
                    + reply
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def arrived(port: int) -> int:
    return int(httpx.get(f"http://127.0.0.1:{port}/count", timeout=30).text)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes used so far (Linux: /proc)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")


def backends(url: str, name: str) -> list[int]:
    """The pids of the PostgreSQL backends connected to database `name` (this machine's server)."""

    async def run() -> list[int]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            found = await conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": name})
            pids = [int(pid) for pid in found.scalars()]
        await engine.dispose()
        return pids

    return asyncio.run(run())


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    found: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(OSError):  # gone meanwhile
            found[pid] = cpu_seconds([pid])
    return found


def arrivals(port: int) -> dict[str, float]:
    found: dict[str, float] = httpx.get(f"http://127.0.0.1:{port}/stats", timeout=30).json()
    return found


async def admin(url: str, sql: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


async def seed(db: Database, hook_url: str) -> Scope:
    now = int(time.time())
    async with db.transaction() as session:
        merchant, _ = await merchants.create_merchant(session, "Webhooks bench", now=now)
        scope = Scope(merchant.id, livemode=False)
        await webhooks.create(
            session,
            scope,
            url=hook_url,
            enabled_events=["*"],
            description=None,
            api_version=None,
            metadata=None,
            now=now,
            private_targets="test",
        )
    return scope


async def backlog(db: Database, scope: Scope, count: int) -> None:
    now = int(time.time())
    for start in range(0, count, 500):
        async with db.transaction() as session:
            for i in range(start, min(start + 500, count)):
                await events.record(
                    session, scope, "customer.created", {"id": f"cus_{i}", "object": "customer"}, now=now
                )


async def live(db: Database, scope: Scope, count: int, rate: float) -> dict[str, float]:
    committed: dict[str, float] = {}
    began = time.monotonic()
    for i in range(count):
        wait = began + i / rate - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        async with db.transaction() as session:
            event = await events.record(
                session, scope, "customer.updated", {"id": f"cus_{i}", "object": "customer"}, now=int(time.time())
            )
        committed[event.id] = time.time()
    return committed


def start_workers(url: str, home: str, count: int, profile: str | None) -> list[subprocess.Popen[bytes]]:
    """`count` workers, logging to `HOME/worker.N.log`; with `profile`, py-spy samples each and writes at its
    exit a flame graph (`PROFILE.N.svg`), or collapsed stacks for `PROFILE` ending in `.txt` (`PROFILE.N.txt`)."""
    env = {**os.environ, "LYNK_HOME": home, "LYNK_DATABASE_URL": url, "LYNK_MASTER_KEY": new_key_text()}
    env["PYTHONUNBUFFERED"] = "1"
    command = [sys.executable, "-m", "lynk.cli.main", "worker", "--no-upkeep", "--no-migrate"]
    workers = []
    for n in range(count):
        with open(os.path.join(home, f"worker.{n}.log"), "wb") as log:
            workers.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log))
    for n, worker in enumerate(workers):
        if profile:
            stem, raw = profile.removesuffix(".txt"), profile.endswith(".txt")
            output = f"{stem}.{n}.txt" if raw else f"{stem}.{n}.svg"
            spy = ["py-spy", "record", "--pid", str(worker.pid), "--output", output, "--rate", "200"]
            spy += ["--format", "raw"] if raw else []
            subprocess.Popen(spy, stdout=subprocess.DEVNULL)
    return workers


def started(home: str, count: int) -> bool:
    """Whether every worker logged that its delivery loop started."""
    for n in range(count):
        with open(os.path.join(home, f"worker.{n}.log"), "rb") as log:
            if b"started" not in log.read():
                return False
    return True


def wait_until(port: int, ids: set[str], timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while True:
        seen = arrivals(port)
        if ids <= seen.keys() or time.monotonic() > deadline:
            return seen
        time.sleep(0.25)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--live-events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="events committed per second in the live phase")
    parser.add_argument("--profile", help="write a py-spy flame graph of each worker to PROFILE.N.svg")
    parser.add_argument(
        "--postgres", default=os.environ.get("LYNK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--sqlite", action="store_true", help="run on a SQLite file instead of PostgreSQL")
    args = parser.parse_args()

    admin_url = async_database_url(args.postgres)
    name = f"lynk_bench_{uuid.uuid4().hex[:10]}"
    scratch = tempfile.TemporaryDirectory()
    url = f"sqlite+aiosqlite:///{scratch.name}/{name}.db" if args.sqlite else f"{admin_url.rpartition('/')[0]}/{name}"
    port = free_port()
    receiver = multiprocessing.Process(target=receive, args=(port,), daemon=True)
    receiver.start()
    if not args.sqlite:
        asyncio.run(admin(admin_url, f'CREATE DATABASE "{name}"'))
    workers: list[subprocess.Popen[bytes]] = []
    try:
        migrate.upgrade(url)
        db = Database(url)
        scope = asyncio.run(seed(db, f"http://127.0.0.1:{port}/hooks"))
        asyncio.run(backlog(Database(url), scope, args.events))
        with tempfile.TemporaryDirectory() as home:
            workers = start_workers(url, home, args.workers, args.profile)
            pids = [worker.pid for worker in workers]
            deadline = time.monotonic() + 600
            while not started(home, args.workers) and time.monotonic() < deadline:
                time.sleep(0.01)
            began = time.time()
            while (first := arrived(port)) == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            cpu_start = cpu_seconds(pids)
            server_start = {} if args.sqlite else cpu_by_pid(backends(admin_url, name))
            receiver_start = cpu_seconds([receiver.pid or 0])
            while (count := arrived(port)) < args.events and time.monotonic() < deadline:
                time.sleep(0.05)
            cpu = cpu_seconds(pids) - cpu_start
            server_end = {} if args.sqlite else cpu_by_pid(backends(admin_url, name))
            server_cpu = sum(seconds - server_start.get(pid, 0.0) for pid, seconds in server_end.items())
            receiver_cpu = cpu_seconds([receiver.pid or 0]) - receiver_start
            per_cpu_second = (count - first) / cpu if cpu else float("nan")
            times = sorted(arrivals(port).values())
            span = times[-1] - times[0] if len(times) > 1 else float("nan")
            rate = (len(times) - 1) / span if span else float("nan")
            from_start = len(times) / (times[-1] - began) if times else float("nan")

            committed = asyncio.run(live(Database(url), scope, args.live_events, args.rate))
            seen = wait_until(port, set(committed), 120)
            latencies = [(seen[i] - committed[i]) * 1000 for i in committed if i in seen]
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        receiver.terminate()
        if not args.sqlite:
            asyncio.run(admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        scratch.cleanup()

    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {backend}")
    print(f"backlog: {len(times)}/{args.events} events delivered by {args.workers} worker(s) in {span:.2f} s")
    print(f"  {rate:.0f} deliveries/s in all, {rate / args.workers:.0f} deliveries/s per worker")
    print(f"  {from_start:.0f} deliveries/s from the workers' start (fan-out of the backlog included)")
    print(f"  {per_cpu_second:.0f} deliveries per CPU-second of a worker (what one worker does with a core to itself)")
    delivered = count - first
    per_delivery = f"µs of CPU per delivery: workers {cpu / delivered * 1e6:.0f}" if delivered else "no deliveries"
    if delivered and not args.sqlite:
        per_delivery += f", PostgreSQL {server_cpu / delivered * 1e6:.0f}"
    if delivered:
        per_delivery += f", receiver {receiver_cpu / delivered * 1e6:.0f}"
    print(f"  {per_delivery}")
    print(f"live: {len(latencies)}/{args.live_events} events committed at {args.rate:.0f}/s")
    if latencies:
        p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
        print(f"  commit to delivery: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(latencies):.0f} ms")


if __name__ == "__main__":
    main()
