"""Link checkout benchmark: a returning shopper's whole path at a merchant, against a real `lynk serve`.

A fresh PostgreSQL database is created for the run and dropped afterwards; the server runs as a subprocess
(as in `bench/api_baseline.py`, whose helpers this script imports), with the per-IP and per-merchant Link
limits raised, since every request comes from 127.0.0.1. Setup (not measured): merchant A, where each of
`--shoppers` shoppers pays by card and opts in to Link, and merchant B, which creates one PaymentIntent
(`payment_method_types` card and link) per checkout. Then each checkout, in its own browser (cookie jar):

    1. POST /v1/link/consumers/lookup                    (publishable key; sets the browser cookie)
    2. POST /v1/link/consumer_sessions/start_verification (code by SMS, stored in test mode)
       GET  /v1/test_helpers/link/messages                (reads the code: test mode's stand-in for the phone)
    3. POST /v1/link/consumer_sessions/confirm_verification
    4. POST /v1/link/payment_details/list
    5. POST /v1/payment_intents/{id}/confirm              (payment_method_data[type]=link)

Server-side time of a checkout = the sum of the five requests' latencies as seen over loopback (the code read
is left out); p50/p99 of that sum and of each step are printed, with checkouts per second (wall clock, all
requests included). With `--concurrency 1` each step's server CPU is printed too (p50 ms of the CPU time the
server's threads ran during the request, from /proc/PID/task/*/schedstat, in nanoseconds, Linux only): on a
busy machine, where latencies follow the load, it is the figure to compare. Figures only: nothing asserts on
speed.

    .venv/bin/python bench/link_checkout.py [--concurrency 8] [--shoppers 300] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx


def _load_baseline() -> ModuleType:
    path = Path(__file__).with_name("api_baseline.py")
    spec = importlib.util.spec_from_file_location("api_baseline", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


base = _load_baseline()
STEPS = ("lookup", "start_verification", "confirm_verification", "list_details", "confirm_payment")
ROOMY = str(10**9)


def create_merchant(env: dict[str, str], name: str) -> dict[str, str]:
    cmd = [str(base.LYNK), "merchants", "create", "--name", name, "--json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=True)
    found: dict[str, str] = json.loads(done.stdout)
    return found


def _check(response: httpx.Response, step: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise RuntimeError(f"{step}: {response.status_code} {response.text[:200]}")
    body: dict[str, Any] = response.json()
    return body


async def setup(base_url: str, a: dict[str, str], b: dict[str, str], args: argparse.Namespace) -> list[dict[str, str]]:
    """Shoppers saved at A (one opt-in card payment each) and one PaymentIntent at B per checkout."""
    shoppers: list[dict[str, str]] = []
    semaphore = asyncio.Semaphore(args.concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=base.REQUEST_TIMEOUT_S, trust_env=False) as http:

        async def one(i: int) -> None:
            email, phone = f"bench.{uuid.uuid4().hex[:12]}@example.com", f"+1415{i:07d}"
            async with semaphore:
                paid = await http.post(
                    "/v1/payment_intents",
                    auth=(a["secret_key"], ""),
                    data={
                        "amount": "1500",
                        "currency": "usd",
                        "confirm": "true",
                        "payment_method_data[type]": "card",
                        "payment_method_data[card][number]": "4242424242424242",
                        "payment_method_data[card][exp_month]": "12",
                        "payment_method_data[card][exp_year]": "2034",
                        "link_signup[email]": email,
                        "link_signup[phone]": phone,
                    },
                )
                _check(paid, "opt-in payment")
                intent = _check(
                    await http.post(
                        "/v1/payment_intents",
                        auth=(b["secret_key"], ""),
                        data={
                            "amount": "2000",
                            "currency": "usd",
                            "payment_method_types[0]": "card",
                            "payment_method_types[1]": "link",
                        },
                    ),
                    "create intent",
                )
            shoppers.append(
                {"email": email, "phone": phone, "pi": intent["id"], "client_secret": intent["client_secret"]}
            )

        await asyncio.gather(*(one(i) for i in range(args.shoppers)))
    return shoppers


def server_cpu_ns(pids: list[int]) -> int | None:
    """CPU time the threads of `pids` have run so far, in ns (Linux schedstat; None where there is none)."""
    total = 0
    for pid in pids:
        for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            try:
                total += int(stat.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return total if total else None


async def checkout(
    base_url: str, b: dict[str, str], shopper: dict[str, str], pids: list[int] | None = None
) -> tuple[dict[str, float], dict[str, float]]:
    """One checkout: each step's latency (ms) and, given the server's `pids` (one shopper at a time), its CPU."""
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    pk = (b["publishable_key"], "")
    async with httpx.AsyncClient(base_url=base_url, timeout=base.REQUEST_TIMEOUT_S, trust_env=False) as browser:

        async def timed(step: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
            before = server_cpu_ns(pids) if pids else None
            started = time.perf_counter()
            response = await browser.request(method, path, **kwargs)
            timings[step] = (time.perf_counter() - started) * 1000
            after = server_cpu_ns(pids) if pids else None
            if before is not None and after is not None:
                cpu[step] = (after - before) / 1e6
            return _check(response, step)

        found = await timed(
            "lookup", "POST", "/v1/link/consumers/lookup", auth=pk, data={"email_address": shopper["email"]}
        )
        secret = found["consumer_session"]["client_secret"]
        with_secret = {"consumer_session_client_secret": secret}
        await timed(
            "start_verification", "POST", "/v1/link/consumer_sessions/start_verification", auth=pk, data=with_secret
        )
        read = await browser.get(
            "/v1/test_helpers/link/messages", params={"to": shopper["phone"]}, auth=(b["secret_key"], "")
        )
        code = _check(read, "read code")["data"][0]["code"]
        await timed(
            "confirm_verification",
            "POST",
            "/v1/link/consumer_sessions/confirm_verification",
            auth=pk,
            data={**with_secret, "code": code},
        )
        details = await timed("list_details", "POST", "/v1/link/payment_details/list", auth=pk, data=with_secret)
        paid = await timed(
            "confirm_payment",
            "POST",
            f"/v1/payment_intents/{shopper['pi']}/confirm",
            auth=pk,
            data={
                "client_secret": shopper["client_secret"],
                "payment_method_data[type]": "link",
                "payment_method_data[link][consumer_session_client_secret]": secret,
                "payment_method_data[link][payment_detail]": details["data"][0]["id"],
            },
        )
        if paid.get("status") != "succeeded":
            raise RuntimeError(f"payment ended {paid.get('status')}")
    return timings, cpu


async def drive(
    base_url: str, b: dict[str, str], shoppers: list[dict[str, str]], args: argparse.Namespace, pids: list[int]
) -> Any:
    results: list[dict[str, float]] = []
    cpus: list[dict[str, float]] = []
    errors: dict[str, int] = {}
    queue = iter(shoppers)
    measure_cpu = pids if args.concurrency == 1 else None  # with several at once, whose CPU it is can't be told

    async def worker() -> None:
        for shopper in queue:
            try:
                timings, cpu = await checkout(base_url, b, shopper, measure_cpu)
            except (RuntimeError, httpx.HTTPError) as error:
                errors[str(error)[:160]] = errors.get(str(error)[:160], 0) + 1
            else:
                results.append(timings)
                if len(cpu) == len(STEPS):
                    cpus.append(cpu)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    return results, cpus, errors, time.perf_counter() - started


def report(
    env_rows: list[tuple[str, str]],
    results: list[dict[str, float]],
    cpus: list[dict[str, float]],
    errors: dict[str, int],
    wall: float,
) -> None:
    print()
    for key, value in env_rows:
        print(f"{key:<15} {value}")
    print()
    rows = [["step", "p50 ms", "p90 ms", "p99 ms", "max ms", *(["server CPU p50 ms"] if cpus else [])]]
    for step in (*STEPS, "checkout (sum)"):
        values = sorted(sum(r.values()) if step == "checkout (sum)" else r[step] for r in results)
        stats = [base.percentile(values, q) for q in (0.5, 0.9, 0.99)] + [values[-1] if values else float("nan")]
        rows.append([step, *(f"{v:.1f}" for v in stats)])
        if cpus:
            spent = sorted(sum(c.values()) if step == "checkout (sum)" else c[step] for c in cpus)
            rows[-1].append(f"{base.percentile(spent, 0.5):.1f}")
    base.print_table(rows)
    print()
    print(f"checkouts       {len(results)} succeeded, {sum(errors.values())} failed, in {wall:.2f} s")
    print(f"throughput      {len(results) / wall if wall else 0:.1f} checkouts/s")
    for message, n in sorted(errors.items(), key=lambda item: -item[1])[:5]:
        print(f"  error x{n}: {message}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=1, help="lynk serve --workers (default 1)")
    parser.add_argument("--concurrency", type=int, default=8, help="shoppers checking out at once (default 8)")
    parser.add_argument("--shoppers", type=int, default=300, help="checkouts measured, one shopper each (default 300)")
    args = parser.parse_args()
    if min(args.workers, args.concurrency, args.shoppers) < 1:
        parser.error("--workers, --concurrency and --shoppers must be at least 1")

    db_name: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="lynk-bench-") as tmp:
        log = Path(tmp) / "server.log"
        try:
            pg_version = asyncio.run(base.admin_sql(base.ADMIN_URL, "SHOW server_version"))
            db_name = f"lynk_bench_{uuid.uuid4().hex[:12]}"
            asyncio.run(base.admin_sql(base.ADMIN_URL, f'CREATE DATABASE "{db_name}"'))
            url = f"{base.ADMIN_URL.rpartition('/')[0]}/{db_name}"
            env = {
                **os.environ,
                "LYNK_DATABASE_URL": url,
                "LYNK_HOME": tmp,
                "LYNK_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
                "LYNK_LINK_LOOKUPS_PER_IP": ROOMY,
                "LYNK_LINK_LOOKUPS_PER_MERCHANT": ROOMY,
                "LYNK_LINK_SENDS_PER_IP": ROOMY,
                "LYNK_LINK_SENDS_PER_MERCHANT": ROOMY,
                # Every shopper's phone is in one test range, texted from one merchant: the SMS caps too.
                "LYNK_LINK_SMS_PER_PREFIX_HOURLY": ROOMY,
                "LYNK_LINK_SMS_PER_MERCHANT_HOURLY": ROOMY,
            }
            port = base.free_port()
            base_url = f"http://127.0.0.1:{port}"
            proc = base.start_server(env, port, args.workers, log)
            base.wait_healthy(base_url, proc)
            a, b = create_merchant(env, "Bench A"), create_merchant(env, "Bench B")
            shoppers = asyncio.run(setup(base_url, a, b, args))
            results, cpus, errors, wall = asyncio.run(drive(base_url, b, shoppers, args, base.group_pids(proc.pid)))
            env_rows = [
                ("cpu count", str(os.cpu_count())),
                ("python", f"{platform.python_implementation()} {platform.python_version()}"),
                ("postgresql", pg_version),
                ("concurrency", f"{args.concurrency} shoppers at once"),
                ("server workers", f"{args.workers} (lynk serve --no-worker)"),
                ("checkouts", f"{args.shoppers}, one returning shopper each"),
            ]
            report(env_rows, results, cpus, errors, wall)
            return 0 if not errors else 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        except subprocess.CalledProcessError as error:
            print(f"{error}\n{error.stdout}\n{error.stderr}", file=sys.stderr)
            return 1
        finally:
            if proc is not None:
                base.stop_server(proc)
            if db_name is not None:
                asyncio.run(base.admin_sql(base.ADMIN_URL, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


if __name__ == "__main__":
    sys.exit(main())
