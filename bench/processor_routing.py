"""Processor routing: what paying through a merchant's Stripe processor costs next to the simulator.

Two `lynk serve` processes on SQLite in a temporary directory: A, and B acting as Stripe. Merchant
A1 has a Stripe processor pointed at B (`lynk processors add`); merchant A2 has none (the simulator).
Each pays `--payments` times, one after another (`pm_card_visa`, automatic capture, through the
official SDK), and the script prints the latency of a confirmed payment for both. A routed payment
costs A's own work plus B's (a PaymentIntent at B) plus the HTTP hop. Figures only: nothing asserts.

    .venv/bin/python bench/processor_routing.py [--payments 100]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import stripe

from lynk.vault.keyring import new_key_text

LYNK = Path(sys.executable).with_name("lynk")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lynk(env: dict[str, str], *args: str) -> dict[str, object]:
    done = subprocess.run([str(LYNK), *args], env=env, capture_output=True, text=True, check=True, timeout=120)
    parsed: dict[str, object] = json.loads(done.stdout)
    return parsed


@contextmanager
def serving(env: dict[str, str], port: int) -> Iterator[str]:
    server = subprocess.Popen(
        [str(LYNK), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("lynk serve did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=15)


def environment(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LYNK_HOME": str(home),
        "LYNK_DATABASE_URL": f"sqlite:///{home / 'lynk.db'}",
        "LYNK_MASTER_KEY": new_key_text(),
    }


def pay(url: str, key: str, count: int) -> list[float]:
    client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
    latencies = []
    for _ in range(count):
        began = time.perf_counter()
        intent = client.v1.payment_intents.create(
            {"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )
        latencies.append((time.perf_counter() - began) * 1000)
        assert intent.status == "succeeded"
    return latencies


def summary(name: str, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"{name:<28} n={len(ordered):<5} p50={statistics.median(ordered):7.1f} ms  "
        f"p95={p95:7.1f} ms  mean={statistics.fmean(ordered):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        env_a, env_b = environment(Path(tmp) / "a"), environment(Path(tmp) / "b")
        port_a, port_b = free_port(), free_port()
        url_b = stack.enter_context(serving(env_b, port_b))
        acquirer = lynk(env_b, "merchants", "create", "--name", "Acquirer", "--json")
        routed = lynk(env_a, "merchants", "create", "--name", "Routed", "--json")
        simulated = lynk(env_a, "merchants", "create", "--name", "Simulated", "--json")
        lynk(
            env_a,
            *("processors", "add", "--merchant", str(routed["id"]), "--mode", "test", "--kind", "stripe"),
            *("--secret-key", str(acquirer["secret_key"]), "--api-base", url_b, "--json"),
        )
        url_a = stack.enter_context(serving(env_a, port_a))
        pay(url_a, str(simulated["secret_key"]), 5)  # warm both paths up
        pay(url_a, str(routed["secret_key"]), 5)
        print(f"{args.payments} sequential payments each, SQLite, {os.cpu_count()} cores")
        print(summary("simulator (no processor)", pay(url_a, str(simulated["secret_key"]), args.payments)))
        print(summary("stripe connector -> Lynk B", pay(url_a, str(routed["secret_key"]), args.payments)))


if __name__ == "__main__":
    main()
