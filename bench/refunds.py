"""Refunds against a slow processor: do concurrent refunds wait on each other's processor call?

Starts `lynk serve` on a fresh SQLite database (or `--database-url`) with `LYNK_SIMULATOR_LATENCY_MS`
(300), pays `--count` PaymentIntents (`pm_card_visa`, `confirm=true`), then refunds them all at once
(`--count` clients, one `POST /v1/refunds` each, with an Idempotency-Key) and prints the wall time and the
latencies. A refund holding its transaction across the processor call makes them queue (on SQLite the
write lock; on PostgreSQL the pool), so the wall time grows with the count; in atomic phases it stays near
one processor answer. Figures only: nothing asserts on speed.

    .venv/bin/python bench/refunds.py [--count 32] [--latency-ms 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from lynk.vault.keyring import new_key_text

LYNK = [sys.executable, "-m", "lynk.cli.main"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"lynk serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("lynk serve did not answer in 120 s")


async def _timed(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> tuple[float, httpx.Response]:
    began = time.perf_counter()
    response = await client.post(path, data=data, headers={"Idempotency-Key": str(uuid.uuid4())})
    return (time.perf_counter() - began) * 1000, response


async def _run(base: str, secret_key: str, count: int) -> None:
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=base, auth=(secret_key, ""), timeout=120, limits=limits) as client:
        paid = {"amount": "2000", "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"}
        payments = await asyncio.gather(*(_timed(client, "/v1/payment_intents", paid) for _ in range(count)))
        ids = [response.json()["id"] for _, response in payments]
        began = time.perf_counter()
        refunds = await asyncio.gather(*(_timed(client, "/v1/refunds", {"payment_intent": pi}) for pi in ids))
        wall = time.perf_counter() - began
    latencies = sorted(ms for ms, _ in refunds)
    ok = sum(1 for _, r in refunds if r.status_code == 200 and r.json().get("status") == "succeeded")
    p50, p99 = latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{count} concurrent refunds: {ok} succeeded, wall {wall:.2f} s, p50 {p50:.0f} ms, p99 {p99:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=32)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lynk-refunds-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'lynk.db'}"
        env = {**os.environ, "LYNK_HOME": tmp, "LYNK_DATABASE_URL": url, "LYNK_MASTER_KEY": new_key_text()}
        env["LYNK_SIMULATOR_LATENCY_MS"] = str(args.latency_ms)
        port = _free_port()
        serve = [*LYNK, "serve", "--port", str(port), "--no-worker"]
        proc = subprocess.Popen(
            serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, proc)
            made = subprocess.run(
                [*LYNK, "merchants", "create", "--name", "Bench", "--json"], env=env, capture_output=True
            )
            secret_key = json.loads(made.stdout)["secret_key"]
            print(f"database {url.split(':')[0]}, processor latency {args.latency_ms} ms")
            asyncio.run(_run(base, secret_key, args.count))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
