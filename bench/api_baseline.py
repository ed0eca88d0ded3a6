"""API baseline: start a real `lynk serve`, hammer customer create and retrieve, print throughput and latency.

A fresh PostgreSQL database is created for the run and dropped afterwards (or pass `--database-url`
to use another database, e.g. `sqlite:////tmp/bench.db`). The server runs as a subprocess on a free
port on 127.0.0.1; concurrent `httpx` clients send Stripe-style requests (form bodies, an
`Idempotency-Key` per POST). It prints figures only: nothing here asserts on speed.

    .venv/bin/python bench/api_baseline.py [--concurrency 16] [--requests 2000] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from lynk.core.config import async_database_url

LYNK = Path(sys.executable).with_name("lynk")
ADMIN_URL = os.environ.get("LYNK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
PHASE_TIMEOUT_S = 900.0


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + sum(self.errors.values())


async def admin_sql(admin_url: str, sql: str) -> str:
    engine = create_async_engine(async_database_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql))
            return str(result.scalar()) if result.returns_rows else ""
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _group_stats(pgid: int) -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/PID/stat after the command) of each live process of group `pgid` (Linux)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            yield int(stat.parent.name), fields


def group_pids(pgid: int) -> list[int]:
    """The live processes of group `pgid` (a server and its workers)."""
    return [pid for pid, _fields in _group_stats(pgid)]


def group_cpu_s(pgid: int) -> float:
    """CPU seconds used so far by the live processes of group `pgid` (Linux /proc; NaN elsewhere)."""
    total, found = 0, False
    for _pid, fields in _group_stats(pgid):
        total, found = total + int(fields[11]) + int(fields[12]), True
    return total / os.sysconf("SC_CLK_TCK") if found else float("nan")


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [str(LYNK), "serve", "--port", str(port), "--no-worker", "--workers", str(workers)]
    with log.open("wb") as out:  # the child keeps its own handle
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (uvicorn and its workers), then SIGKILL it if it lingers."""
    for sig, wait_s in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue


def wait_healthy(base_url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"lynk serve exited with {proc.returncode} before it was healthy")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2.0, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"lynk serve was not healthy within {START_TIMEOUT_S:.0f} s")


def create_merchant(env: dict[str, str]) -> str:
    cmd = [str(LYNK), "merchants", "create", "--name", "Bench", "--json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=True)
    return str(json.loads(done.stdout)["secret_key"])


Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def run_phase(name: str, clients: list[httpx.AsyncClient], send: Request, count: int, pgid: int) -> Phase:
    """Send `count` requests, one coroutine per client, all pulling from one bounded iterator of indices."""
    phase = Phase(name)
    indices = iter(range(count))

    async def worker(client: httpx.AsyncClient) -> None:
        for i in indices:
            started = time.perf_counter()
            try:
                response = await send(client, i)
            except httpx.HTTPError as error:
                phase.errors[f"{type(error).__name__}: {str(error)[:200]}"] += 1
                continue
            if response.status_code == 200:
                phase.latencies_ms.append((time.perf_counter() - started) * 1000)
            else:
                phase.errors[f"{response.status_code}: {response.text[:200]}"] += 1

    cpu, server_cpu, wall = time.process_time(), group_cpu_s(pgid), time.perf_counter()
    async with asyncio.timeout(PHASE_TIMEOUT_S), asyncio.TaskGroup() as group:
        for client in clients:
            group.create_task(worker(client))
    phase.wall_s, phase.client_cpu_s = time.perf_counter() - wall, time.process_time() - cpu
    phase.server_cpu_s = group_cpu_s(pgid) - server_cpu
    return phase


def percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return float("nan")
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(q * len(sorted_ms)) - 1))]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [cell.rjust(w) if c else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def report(env_rows: list[tuple[str, str]], phases: list[Phase]) -> None:
    print()
    for key, value in env_rows:
        print(f"{key:<13} {value}")
    print()
    head = ["phase", "requests", "errors", "wall s", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"]
    rows = [[*head, "client cpu s", "server cpu s"]]
    for p in phases:
        ms = sorted(p.latencies_ms)
        stats = [percentile(ms, q) for q in (0.5, 0.9, 0.99)] + [ms[-1] if ms else float("nan")]
        rate = p.requests / p.wall_s if p.wall_s else 0.0
        rows.append([p.name, str(p.requests), str(sum(p.errors.values())), f"{p.wall_s:.2f}", f"{rate:.0f}"])
        rows[-1] += [f"{v:.1f}" for v in stats] + [f"{p.client_cpu_s:.2f}", f"{p.server_cpu_s:.2f}"]
    print_table(rows)
    for p in phases:
        for message, n in p.errors.most_common(5):
            print(f"  {p.name} error x{n}: {message}")


async def drive(base_url: str, secret_key: str, pgid: int, args: argparse.Namespace) -> list[Phase]:
    headers = {"Authorization": f"Bearer {secret_key}"}
    ids: list[str] = []

    async def create(client: httpx.AsyncClient, i: int) -> httpx.Response:
        body = {"email": f"bench{i}@example.com", "name": "Bench", "metadata[i]": str(i)}
        response = await client.post("/v1/customers", data=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        if response.status_code == 200:
            ids.append(response.json()["id"])
        return response

    async def retrieve(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/v1/customers/{ids[i % len(ids)]}")

    async with AsyncExitStack() as stack:
        # One client (one keep-alive connection) per worker: a shared pool costs the client much CPU.
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_S, trust_env=False)
            )
            for _ in range(args.concurrency)
        ]
        await run_phase("warm-up create", clients, create, args.warmup, pgid)
        if ids:
            await run_phase("warm-up retrieve", clients, retrieve, args.warmup, pgid)
        ids.clear()
        phases = [await run_phase("customer create", clients, create, args.requests, pgid)]
        if ids:
            phases.append(await run_phase("customer retrieve", clients, retrieve, args.requests, pgid))
    return phases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", help="use this database instead of a fresh PostgreSQL one")
    parser.add_argument("--workers", type=int, default=1, help="lynk serve --workers (default 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per phase (default 2000)")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up requests per phase (default 100)")
    args = parser.parse_args()
    if min(args.workers, args.concurrency, args.requests) < 1 or args.warmup < 0:
        parser.error("--workers, --concurrency and --requests must be at least 1, --warmup at least 0")

    db_name: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    backend = "?"
    with tempfile.TemporaryDirectory(prefix="lynk-bench-") as tmp:
        log = Path(tmp) / "server.log"
        try:
            if args.database_url:
                url = args.database_url
                backend = url.partition("://")[0]
            else:
                db_name = f"lynk_bench_{uuid.uuid4().hex[:12]}"
                backend = "postgresql " + asyncio.run(admin_sql(ADMIN_URL, "SHOW server_version"))
                asyncio.run(admin_sql(ADMIN_URL, f'CREATE DATABASE "{db_name}"'))
                url = f"{ADMIN_URL.rpartition('/')[0]}/{db_name}"
            master_key = base64.b64encode(os.urandom(32)).decode()
            env = {**os.environ, "LYNK_DATABASE_URL": url, "LYNK_HOME": tmp, "LYNK_MASTER_KEY": master_key}
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            proc = start_server(env, port, args.workers, log)
            wait_healthy(base_url, proc)
            secret_key = create_merchant(env)
            phases = asyncio.run(drive(base_url, secret_key, proc.pid, args))
            env_rows = [
                ("backend", backend),
                ("workers", str(args.workers)),
                ("concurrency", str(args.concurrency)),
                ("cpu count", str(os.cpu_count())),
                ("python", f"{platform.python_implementation()} {platform.python_version()}"),
            ]
            report(env_rows, phases)
            return 0
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            if proc is not None:
                stop_server(proc)
                lines = log.read_text(errors="replace").splitlines()
                # Access-log lines start with INFO: (and ids may spell "rror"); keep the rest that look wrong.
                problems = [ln for ln in lines if not ln.startswith("INFO:") and ("rror" in ln or "Traceback" in ln)]
                print(f"\nserver log: {len(problems)} line(s) mentioning errors", *problems[:10], sep="\n  ")
            if db_name is not None:
                asyncio.run(admin_sql(ADMIN_URL, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


if __name__ == "__main__":
    sys.exit(main())
