"""Payments benchmark: confirmed PaymentIntents per second against a real `lynk serve`, next to pgbench's TPC-B.

A fresh PostgreSQL database is created for the run and dropped afterwards. The server runs as a subprocess on a
free port on 127.0.0.1 (started as in `bench/api_baseline.py`, whose helpers this script imports). Each request
is what the stripe SDK sends for a one-shot card payment: one `POST /v1/payment_intents` with
`amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true` and a fresh `Idempotency-Key` (automatic
capture). Anything but a 200 with `"status": "succeeded"` is counted and shown. In one run:

1. full load: `--concurrency` clients (16), each sending its next payment as soon as the last one answered;
2. half load: payments sent at half the rate full load reached (an open loop: each at its scheduled time,
   its latency counted from then, so a server falling behind shows in p99);
3. one client: payments one after another (a quarter of `--requests`), nothing else in the server;
4. a slow processor: a second server with `LYNK_SIMULATOR_LATENCY_MS` (300) under `--slow-concurrency`
   clients (128), and its throughput as a share of full load's (the target is at least 80%);
5. after the servers stopped, `pgbench -i -s 1` and a TPC-B-like `pgbench` run on the same database: the
   storage's own transactions per second, and Lynk's full-load payments/s as a share of them.

For the first three it also prints what the risk stage added to each confirm (its p50 and p99, target
2 ms p99), from the server's own `lynk_risk_stage_seconds{part="total"}` histogram scraped from `/metrics`
before and after the phase (interpolated within a bucket, as Prometheus' `histogram_quantile` does), and the
same for each of its parts (`assess`, before the processor; `record`, the attempt written after it). Under
load that time includes waiting, at each of the stage's queries, for other requests' turns on the event loop;
with one client it is the stage's own work and round trips.

Figures only: nothing asserts on speed.

    .venv/bin/python bench/payments.py [--concurrency 16] [--requests 1000] [--workers 1] [--pgbench-seconds 15]
        [--slow-ms 300] [--slow-concurrency 128] [--slow-requests 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families


def _load_baseline() -> ModuleType:
    path = Path(__file__).with_name("api_baseline.py")
    spec = importlib.util.spec_from_file_location("api_baseline", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building Phase
    spec.loader.exec_module(module)
    return module


base = _load_baseline()
PAYMENT = {"amount": "2000", "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"}
METRICS_TOKEN = "bench-metrics-token"
ACCESS_STATUS = re.compile(r'"[A-Z]+ (\S+?)(?:\?\S*)? HTTP/[\d.]+" (\d{3})')


class NotSucceeded(httpx.HTTPError):
    """A 200 whose PaymentIntent is not `succeeded`; raised so that `run_phase` counts it as an error."""


def payer(base_url: str, secret_key: str) -> tuple[dict[str, str], Any]:
    headers = {"Authorization": f"Bearer {secret_key}"}

    async def pay(client: httpx.AsyncClient, i: int) -> httpx.Response:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        response = await client.post("/v1/payment_intents", data=PAYMENT, headers=key)
        if response.status_code == 200:
            try:
                status = response.json().get("status")
            except ValueError:
                status = f"non-JSON body {response.text[:80]!r}"
            if status != "succeeded":
                raise NotSucceeded(f"200 with status {status!r}")
        return response

    return headers, pay


async def run_paced(name: str, clients: list[httpx.AsyncClient], send: Any, count: int, rate: float, pgid: int) -> Any:
    """Send `count` requests at `rate` per second, each at its scheduled time (whichever client is free); a
    request's latency runs from its scheduled time, so waiting for a free client counts."""
    phase = base.Phase(name)
    free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
    for client in clients:
        free.put_nowait(client)

    async def one(i: int, due: float) -> None:
        client = await free.get()
        try:
            response = await send(client, i)
        except httpx.HTTPError as error:
            phase.errors[f"{type(error).__name__}: {str(error)[:200]}"] += 1
            return
        finally:
            free.put_nowait(client)
        if response.status_code == 200:
            phase.latencies_ms.append((time.perf_counter() - due) * 1000)
        else:
            phase.errors[f"{response.status_code}: {response.text[:200]}"] += 1

    cpu, server_cpu, wall = time.process_time(), base.group_cpu_s(pgid), time.perf_counter()
    async with asyncio.timeout(base.PHASE_TIMEOUT_S), asyncio.TaskGroup() as group:
        for i in range(count):
            due = wall + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            group.create_task(one(i, due))
    phase.wall_s, phase.client_cpu_s = time.perf_counter() - wall, time.process_time() - cpu
    phase.server_cpu_s = base.group_cpu_s(pgid) - server_cpu
    return phase


RiskBuckets = dict[float, float]  # upper bound in seconds -> attempts at or under it, so far
RISK_PARTS = ("total", "assess", "record")  # both parts of each attempt, then each part alone


async def risk_buckets(client: httpx.AsyncClient) -> dict[str, RiskBuckets]:
    """The server's risk-stage histogram, per part, as scraped now."""
    answer = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    answer.raise_for_status()
    buckets: dict[str, RiskBuckets] = {part: {} for part in RISK_PARTS}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            part = sample.labels.get("part", "")
            if sample.name == "lynk_risk_stage_seconds_bucket" and part in buckets:
                buckets[part][float(sample.labels["le"])] = sample.value
    return buckets


def risk_quantile(before: RiskBuckets, after: RiskBuckets, q: float) -> float:
    """The q-quantile in ms of what was observed between two scrapes, interpolated linearly within its bucket."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    if not counts or counts[-1] <= 0:
        return float("nan")
    rank, lower, below = q * counts[-1], 0.0, 0.0
    for bound, count in zip(bounds, counts, strict=True):
        if count >= rank:
            if bound == float("inf"):
                return lower * 1000  # beyond the last finite bucket: its bound is all that is known
            return (lower + (bound - lower) * (rank - below) / max(count - below, 1e-9)) * 1000
        lower, below = bound, count
    return float("nan")


RISK: dict[str, str] = {}  # phase name -> what the risk stage added to its confirms


async def with_risk(client: httpx.AsyncClient, phase_run: Any) -> Any:
    """Run a phase between two scrapes of the risk-stage histogram, and note its p50 and p99."""
    before = await risk_buckets(client)
    phase = await phase_run
    after = await risk_buckets(client)
    attempts = after["total"].get(float("inf"), 0.0) - before["total"].get(float("inf"), 0.0)
    p50, p99 = (risk_quantile(before["total"], after["total"], q) for q in (0.5, 0.99))
    parts = "; ".join(
        f"{part} p50 {risk_quantile(before[part], after[part], 0.5):.2f}, "
        f"p99 {risk_quantile(before[part], after[part], 0.99):.2f}"
        for part in RISK_PARTS[1:]
    )
    RISK[phase.name] = f"p50 {p50:.2f} ms, p99 {p99:.2f} ms over {attempts:.0f} attempts (target p99 <= 2 ms; {parts})"
    return phase


COUNTERS = ("transactions", "rows inserted", "rows updated", "rows deleted")


async def db_counters(db_name: str) -> list[int]:
    """The database's transactions (commits and rollbacks) and rows written so far, from pg_stat_database. A
    backend reports its counts when idle for a second: read after the load stopped for longer than that."""
    await asyncio.sleep(1.5)
    sql = (
        "SELECT concat_ws(',', xact_commit + xact_rollback, tup_inserted, tup_updated, tup_deleted) "
        f"FROM pg_stat_database WHERE datname = '{db_name}'"
    )
    return [int(n) for n in (await base.admin_sql(base.ADMIN_URL, sql)).split(",")]


async def drive(
    base_url: str, secret_key: str, pgid: int, args: argparse.Namespace, slow: bool, db_name: str
) -> list[Any]:
    """Full load and half load (or, against the slow processor, full load with more clients): base.Phase each.
    Prints what each full-load payment cost the database (transactions, rows written)."""
    headers, pay = payer(base_url, secret_key)
    concurrency = args.slow_concurrency if slow else args.concurrency
    async with AsyncExitStack() as stack:
        clients = [  # one keep-alive connection per client, as in api_baseline
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, headers=headers, timeout=base.REQUEST_TIMEOUT_S, trust_env=False)
            )
            for _ in range(concurrency)
        ]
        warm = await base.run_phase("warm-up", clients, pay, args.warmup, pgid)
        for message, n in warm.errors.most_common(3):
            print(f"  warm-up error x{n}: {message}")
        if slow:
            name = f"full load, processor {args.slow_ms} ms, {concurrency} clients"
            return [await base.run_phase(name, clients, pay, args.slow_requests, pgid)]
        before = await db_counters(db_name)
        full = await with_risk(
            clients[0], base.run_phase(f"full load, {concurrency} clients", clients, pay, args.requests, pgid)
        )
        after = await db_counters(db_name)
        paid = max(1, len(full.latencies_ms))
        costs = ", ".join(f"{(b - a) / paid:.1f} {name}" for name, a, b in zip(COUNTERS, before, after, strict=True))
        print(f"per payment at full load: {costs}; {full.server_cpu_s / paid * 1000:.1f} ms of server CPU")
        half_rate = max(1.0, _rate(full) / 2)
        name = f"half load, {half_rate:.1f}/s"
        half = await with_risk(clients[0], run_paced(name, clients, pay, max(1, args.requests // 2), half_rate, pgid))
        alone = base.run_phase("one client", clients[:1], pay, max(1, args.requests // 4), pgid)
        return [full, half, await with_risk(clients[0], alone)]


def _rate(phase: Any) -> float:
    return len(phase.latencies_ms) / phase.wall_s if phase.wall_s else 0.0


def pgbench(db_name: str, args: argparse.Namespace) -> tuple[float, str]:
    """Initialise pgbench's tables in `db_name`, run the default TPC-B-like script; return (tps, latency line)."""
    url = urlsplit(base.ADMIN_URL)
    conn = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    exe = shutil.which("pgbench") or "/usr/bin/pgbench"
    init = [exe, "-i", "-s", "1", "-q", *conn, db_name]
    subprocess.run(init, capture_output=True, text=True, timeout=300, check=True)
    jobs = min(2, args.concurrency)
    cmd = [exe, "-c", str(args.concurrency), "-j", str(jobs), "-T", str(args.pgbench_seconds), *conn, db_name]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.pgbench_seconds + 120, check=True)
    tps = re.search(r"^tps = ([\d.]+)", done.stdout, re.MULTILINE)
    if tps is None:
        raise RuntimeError(f"no 'tps = ' in pgbench output:\n{done.stdout}\n{done.stderr}")
    latency = re.search(r"^latency average = .*$", done.stdout, re.MULTILINE)
    return float(tps.group(1)), latency.group(0) if latency else "latency average = ?"


def report(env_rows: list[tuple[str, str]], phases: list[Any], tps: float, pg_latency: str) -> None:
    print()
    for key, value in env_rows:
        print(f"{key:<15} {value}")
    print()
    head = ["phase", "requests", "succeeded", "errors", "wall s", "payments/s", "p50 ms", "p90 ms", "p99 ms"]
    rows = [[*head, "max ms", "client cpu s", "server cpu s"]]
    for phase in phases:
        ms = sorted(phase.latencies_ms)
        stats = [base.percentile(ms, q) for q in (0.5, 0.9, 0.99)] + [ms[-1] if ms else float("nan")]
        rows.append([phase.name, str(phase.requests), str(len(ms)), str(sum(phase.errors.values()))])
        rows[-1] += [f"{phase.wall_s:.2f}", f"{_rate(phase):.1f}", *(f"{v:.1f}" for v in stats)]
        rows[-1] += [f"{phase.client_cpu_s:.2f}", f"{phase.server_cpu_s:.2f}"]
    base.print_table(rows)
    for phase in phases:
        for message, n in phase.errors.most_common(10):
            print(f"  {phase.name} error x{n}: {message}")
    print()
    for name, line in RISK.items():
        print(f"risk stage      {line}, {name}")
    full, slow = _rate(phases[0]), _rate(phases[-1])
    print(f"pgbench TPC-B   {tps:.1f} tps ({pg_latency})")
    print(f"Lynk payments   {full:.1f} succeeded/s at full load")
    print(f"ratio           {f'{full / tps:.3f}' if tps else 'n/a'} (Lynk payments/s / pgbench TPC-B tps; target 0.5)")
    if len(phases) > 2:
        print(f"slow processor  {f'{slow / full:.3f}' if full else 'n/a'} (payments/s with it / at 0 ms; target 0.8)")


def summarise_log(log: Path) -> None:
    """Count the access log's statuses and the distinct lines that look wrong (errors, warnings, tracebacks)."""
    lines = log.read_text(errors="replace").splitlines()
    statuses = Counter(f"{m.group(1)} {m.group(2)}" for ln in lines if (m := ACCESS_STATUS.search(ln)))
    words = ("rror", "Traceback", "WARN", "Exception")
    problems = Counter(ln.strip() for ln in lines if not ln.startswith("INFO:") and any(w in ln for w in words))
    print("\nserver access log: " + ", ".join(f"{k} x{n}" for k, n in statuses.most_common()))
    print(f"server log: {log.stat().st_size / 1e6:.1f} MB, {len(lines)} lines, {problems.total()} mentioning errors")
    for line, n in problems.most_common(8):
        print(f"  x{n}: {line[:150]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=1, help="lynk serve --workers (default 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients and pgbench -c (default 16)")
    parser.add_argument("--requests", type=int, default=1000, help="measured payments (default 1000)")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up payments (default 50)")
    parser.add_argument("--pgbench-seconds", type=int, default=15, help="pgbench -T (default 15)")
    parser.add_argument("--slow-ms", type=int, default=300, help="the slow processor's answer delay (default 300)")
    parser.add_argument("--slow-concurrency", type=int, default=128, help="clients against it (default 128)")
    parser.add_argument("--slow-requests", type=int, default=1000, help="measured payments against it (default 1000)")
    args = parser.parse_args()
    sizes = (args.workers, args.concurrency, args.requests, args.pgbench_seconds, args.slow_concurrency)
    if min(*sizes, args.slow_requests) < 1 or min(args.warmup, args.slow_ms) < 0:
        parser.error("counts must be at least 1, --warmup and --slow-ms at least 0")

    db_name: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="lynk-bench-") as tmp:
        log = Path(tmp) / "server.log"
        try:
            pg_version = asyncio.run(base.admin_sql(base.ADMIN_URL, "SHOW server_version"))
            db_name = f"lynk_bench_{uuid.uuid4().hex[:12]}"
            asyncio.run(base.admin_sql(base.ADMIN_URL, f'CREATE DATABASE "{db_name}"'))
            url = f"{base.ADMIN_URL.rpartition('/')[0]}/{db_name}"
            master_key = base64.b64encode(os.urandom(32)).decode()
            env = {**os.environ, "LYNK_DATABASE_URL": url, "LYNK_HOME": tmp, "LYNK_MASTER_KEY": master_key}
            env["LYNK_METRICS_TOKEN"] = METRICS_TOKEN
            secret_key = base.create_merchant(env)
            phases = []
            for slow in (False, True):  # the same database; a server of its own for each processor latency
                port = base.free_port()
                base_url = f"http://127.0.0.1:{port}"
                latency = {"LYNK_SIMULATOR_LATENCY_MS": str(args.slow_ms if slow else 0)}
                proc = base.start_server({**env, **latency}, port, args.workers, log)
                base.wait_healthy(base_url, proc)
                phases += asyncio.run(drive(base_url, secret_key, proc.pid, args, slow, db_name))
                base.stop_server(proc)  # pgbench then has the database (and the CPUs) to itself
            tps, pg_latency = pgbench(db_name, args)
            jobs = min(2, args.concurrency)
            env_rows = [
                ("cpu count", str(os.cpu_count())),
                ("python", f"{platform.python_implementation()} {platform.python_version()}"),
                ("postgresql", pg_version),
                ("concurrency", f"{args.concurrency} clients (pgbench -c {args.concurrency} -j {jobs})"),
                ("server workers", f"{args.workers} (lynk serve --no-worker)"),
                ("requests", f"{args.requests} measured after {args.warmup} warm-up"),
                ("slow processor", f"{args.slow_ms} ms, {args.slow_concurrency} clients, {args.slow_requests} paid"),
            ]
            report(env_rows, phases, tps, pg_latency)
            return 0
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        except subprocess.CalledProcessError as error:
            print(f"{error}\n{error.stdout}\n{error.stderr}", file=sys.stderr)
            return 1
        finally:
            if proc is not None:
                base.stop_server(proc)
                summarise_log(log)
            if db_name is not None:
                asyncio.run(base.admin_sql(base.ADMIN_URL, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


if __name__ == "__main__":
    sys.exit(main())
