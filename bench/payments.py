"""Payments benchmark: confirmed PaymentIntents per second against a real `lynk serve`, next to pgbench's TPC-B.

A fresh PostgreSQL database is created for the run and dropped afterwards. The server runs as a subprocess on a
free port on 127.0.0.1 (started as in `bench/api_baseline.py`, whose helpers this script imports). Each request
is what the stripe SDK sends for a one-shot card payment: one `POST /v1/payment_intents` with
`amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true` and a fresh `Idempotency-Key` (automatic
capture). Anything but a 200 with `"status": "succeeded"` is counted and shown. Then, after the server has
stopped, `pgbench -i -s 1` and a TPC-B-like `pgbench` run on the same database give the storage's own
transactions per second; the script prints both figures and their ratio. Figures only: nothing asserts on speed.

    .venv/bin/python bench/payments.py [--concurrency 16] [--requests 1000] [--workers 1] [--pgbench-seconds 15]
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
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx


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
ACCESS_STATUS = re.compile(r'"[A-Z]+ (\S+?)(?:\?\S*)? HTTP/[\d.]+" (\d{3})')


class NotSucceeded(httpx.HTTPError):
    """A 200 whose PaymentIntent is not `succeeded`; raised so that `run_phase` counts it as an error."""


async def drive(base_url: str, secret_key: str, pgid: int, args: argparse.Namespace) -> Any:  # base.Phase
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

    async with AsyncExitStack() as stack:
        clients = [  # one keep-alive connection per client, as in api_baseline
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, headers=headers, timeout=base.REQUEST_TIMEOUT_S, trust_env=False)
            )
            for _ in range(args.concurrency)
        ]
        warm = await base.run_phase("warm-up", clients, pay, args.warmup, pgid)
        for message, n in warm.errors.most_common(3):
            print(f"  warm-up error x{n}: {message}")
        return await base.run_phase("create+confirm", clients, pay, args.requests, pgid)


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


def report(env_rows: list[tuple[str, str]], phase: Any, tps: float, pg_latency: str) -> None:
    print()
    for key, value in env_rows:
        print(f"{key:<15} {value}")
    print()
    ms = sorted(phase.latencies_ms)
    stats = [base.percentile(ms, q) for q in (0.5, 0.9, 0.99)] + [ms[-1] if ms else float("nan")]
    ok_rate = len(ms) / phase.wall_s if phase.wall_s else 0.0
    head = ["phase", "requests", "succeeded", "errors", "wall s", "payments/s", "p50 ms", "p90 ms", "p99 ms"]
    rows = [[*head, "max ms", "client cpu s", "server cpu s"]]
    rows.append([phase.name, str(phase.requests), str(len(ms)), str(sum(phase.errors.values()))])
    rows[-1] += [f"{phase.wall_s:.2f}", f"{ok_rate:.1f}", *(f"{v:.1f}" for v in stats)]
    rows[-1] += [f"{phase.client_cpu_s:.2f}", f"{phase.server_cpu_s:.2f}"]
    base.print_table(rows)
    for message, n in phase.errors.most_common(10):
        print(f"  error x{n}: {message}")
    print()
    print(f"pgbench TPC-B   {tps:.1f} tps ({pg_latency})")
    print(f"Lynk payments   {ok_rate:.1f} succeeded/s")
    ratio = f"{ok_rate / tps:.3f}" if tps else "n/a"
    print(f"ratio           {ratio} (Lynk payments/s / pgbench TPC-B tps)")


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
    args = parser.parse_args()
    if min(args.workers, args.concurrency, args.requests, args.pgbench_seconds) < 1 or args.warmup < 0:
        parser.error("--workers, --concurrency, --requests, --pgbench-seconds must be at least 1, --warmup at least 0")

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
            port = base.free_port()
            base_url = f"http://127.0.0.1:{port}"
            proc = base.start_server(env, port, args.workers, log)
            base.wait_healthy(base_url, proc)
            secret_key = base.create_merchant(env)
            phase = asyncio.run(drive(base_url, secret_key, proc.pid, args))
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
            ]
            report(env_rows, phase, tps, pg_latency)
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
