"""Fraud benchmark: labelled traffic through a real `lynk serve`, and what the risk stage caught.

A fresh PostgreSQL database is created for the run and dropped afterwards; the server is started as in
`bench/api_baseline.py` (whose helpers this script imports), with the per-IP card-testing limit off
(every simulated shopper comes from 127.0.0.1). Scenarios, each through the HTTP API:

- legitimate shoppers: each a new card, paying once or twice at one of the merchants, $5 to $300;
- card testers: on one PaymentIntent each, with the publishable key, 40 declining test cards then a good one;
- a stolen card: paid at one merchant, reported fraudulent there (`fraud_details[user_report]`), then
  used at the other merchants;
- Link account takeover: a shopper's account is born from a payment and she changes it from her own
  browser (127.0.0.2); an attacker with her code logs in from a new browser on another network (127.0.0.1)
  and saves an address, a card, and pays to a new address: caught = refused pending a second code;
- SMS pumping: sign-ups texting codes to one number range, and to premium-rate numbers.

It prints, per scenario, the payments, how many the stage caught (blocked or sent to review) and the
client-side confirm latency; then the risk stage's own cost, measured in-process on the same database
(the full `assess`: signals, windows, score, rules). Figures only: nothing asserts on them.

    .venv/bin/python bench/fraud.py [--shoppers 300] [--merchants 5] [--testers 5] [--stage-runs 500]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from lynk.core.config import async_database_url
from lynk.core.db import Database
from lynk.core.scope import Scope
from lynk.radar.assessment import Limits, assess
from lynk.radar.signals import PaymentFacts

DECLINING = ("4000000000000002", "4000000000009995", "4000000000009987", "4000000000009979", "4000000000000069")


sys.path.insert(0, str(Path(__file__).parent))  # the other benchmarks' helpers, as a plain module
import api_baseline as base  # noqa: E402


def fresh_card() -> str:
    body = "424242" + "".join(random.choice("0123456789") for _ in range(9))
    total = 0
    for index, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


@dataclass
class Scenario:
    name: str
    payments: int = 0
    caught: int = 0  # blocked or in review
    latencies_ms: list[float] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Shop:
    id: str
    secret: str
    publishable: str


def _card(number: str) -> dict[str, str]:
    return {
        "payment_method_data[type]": "card",
        "payment_method_data[card][number]": number,
        "payment_method_data[card][exp_month]": "12",
        "payment_method_data[card][exp_year]": "2034",
        "payment_method_data[card][cvc]": "123",
    }


async def _outcome(http: httpx.AsyncClient, shop: Shop, body: dict[str, Any]) -> str:
    """The outcome type of the request's charge (`none` when it made no charge)."""
    charge = body.get("latest_charge") or (body.get("error") or {}).get("charge")
    if not charge:
        return "none"
    found = await http.get(f"/v1/charges/{charge}", auth=(shop.secret, ""))
    return str(found.json()["outcome"]["type"])


async def pay(http: httpx.AsyncClient, shop: Shop, number: str, amount: int, scenario: Scenario) -> tuple[str, str]:
    """One server-side confirm; (status or error code, outcome type)."""
    data = {"amount": str(amount), "currency": "usd", "confirm": "true", **_card(number)}
    started = time.perf_counter()
    response = await http.post("/v1/payment_intents", data=data, auth=(shop.secret, ""))
    scenario.latencies_ms.append((time.perf_counter() - started) * 1000)
    body = response.json()
    status = body.get("status") or (body.get("error") or {}).get("code", str(response.status_code))
    return str(status), await _outcome(http, shop, body)


async def legitimate(http: httpx.AsyncClient, shops: list[Shop], shoppers: int) -> Scenario:
    scenario = Scenario("legitimate shoppers", note="caught = false positives")
    for _ in range(shoppers):
        card, shop = fresh_card(), random.choice(shops)
        for _ in range(random.choice((1, 1, 2))):
            _status, outcome = await pay(http, shop, card, random.randint(500, 30_000), scenario)
            scenario.payments += 1
            scenario.caught += outcome in ("blocked", "manual_review")
    return scenario


async def card_testers(http: httpx.AsyncClient, shops: list[Shop], testers: int) -> Scenario:
    scenario = Scenario("card testing (after the 10th refusal)", note="41 attempts per PaymentIntent")
    for _ in range(testers):
        shop = random.choice(shops)
        new = {"amount": "500", "currency": "usd"}
        pi = (await http.post("/v1/payment_intents", data=new, auth=(shop.secret, ""))).json()
        for attempt in range(41):
            number = random.choice(DECLINING) if attempt < 40 else fresh_card()  # the last card is good
            data = {"client_secret": pi["client_secret"], **_card(number)}
            started = time.perf_counter()
            path = f"/v1/payment_intents/{pi['id']}/confirm"
            response = await http.post(path, data=data, auth=(shop.publishable, ""))
            scenario.latencies_ms.append((time.perf_counter() - started) * 1000)
            if attempt < 10:
                continue
            scenario.payments += 1
            scenario.caught += await _outcome(http, shop, response.json()) == "blocked"
    return scenario


async def stolen_card(http: httpx.AsyncClient, shops: list[Shop]) -> Scenario:
    scenario = Scenario("stolen card at other merchants", note="reported at the first merchant")
    card, first, others = fresh_card(), shops[0], shops[1:]
    data = {"amount": "4000", "currency": "usd", "confirm": "true", **_card(card)}
    paid = (await http.post("/v1/payment_intents", data=data, auth=(first.secret, ""))).json()
    report = {"fraud_details[user_report]": "fraudulent"}
    await http.post(f"/v1/charges/{paid['latest_charge']}", data=report, auth=(first.secret, ""))
    for shop in others:
        _status, outcome = await pay(http, shop, card, 4000, scenario)
        scenario.payments += 1
        scenario.caught += outcome in ("blocked", "manual_review")
    return scenario


def _phone() -> str:
    return f"+1415{random.randrange(2_000_000, 9_999_999)}"


async def _code(http: httpx.AsyncClient, shop: Shop, phone: str) -> str:
    found = await http.get("/v1/test_helpers/link/messages", params={"to": phone}, auth=(shop.secret, ""))
    return str(found.json()["data"][0]["code"])


async def _login(browser: httpx.AsyncClient, http: httpx.AsyncClient, shop: Shop, email: str, phone: str) -> str:
    """Look the shopper up in `browser` and confirm the code texted to her (read through the test helper):
    the consumer session's secret."""
    found = await browser.post("/v1/link/consumers/lookup", data={"email_address": email}, auth=(shop.publishable, ""))
    secret = found.json()["consumer_session"]["client_secret"]
    start = {"consumer_session_client_secret": secret, "type": "sms"}
    await browser.post("/v1/link/consumer_sessions/start_verification", data=start, auth=(shop.publishable, ""))
    confirm = {"consumer_session_client_secret": secret, "code": await _code(http, shop, phone)}
    await browser.post("/v1/link/consumer_sessions/confirm_verification", data=confirm, auth=(shop.publishable, ""))
    return str(secret)


_ADDRESS = {"name": "A Shopper", "address[line1]": "", "address[city]": "Dublin", "address[country]": "IE"}


async def _changes(browser: httpx.AsyncClient, shop: Shop, secret: str, scenario: Scenario, tag: str) -> int:
    """Save an address and a card, then pay to a new address: how many of the three were refused pending a
    step-up (403 `consumer_session_step_up_required`)."""
    refused = 0
    auth = (shop.publishable, "")
    address = {**_ADDRESS, "address[line1]": f"{tag} Quay Street", "consumer_session_client_secret": secret}
    card = {
        "consumer_session_client_secret": secret,
        "card[number]": fresh_card(),
        "card[exp_month]": "12",
        "card[exp_year]": "2034",
        "card[cvc]": "123",
    }
    for path, data in (("/v1/link/shipping_addresses", address), ("/v1/link/payment_details", card)):
        started = time.perf_counter()
        response = await browser.post(path, data=data, auth=auth)
        scenario.latencies_ms.append((time.perf_counter() - started) * 1000)
        refused += response.status_code == 403
    new = {
        "amount": "4000",
        "currency": "usd",
        "payment_method_types[0]": "link",
        "shipping[name]": "A Shopper",
        "shipping[address][line1]": f"{tag} Drop Lane",
        "shipping[address][country]": "IE",
    }
    pi = (await browser.post("/v1/payment_intents", data=new, auth=(shop.secret, ""))).json()
    pay = {
        "client_secret": pi["client_secret"],
        "payment_method_data[type]": "link",
        "payment_method_data[link][consumer_session_client_secret]": secret,
    }
    started = time.perf_counter()
    response = await browser.post(f"/v1/payment_intents/{pi['id']}/confirm", data=pay, auth=auth)
    scenario.latencies_ms.append((time.perf_counter() - started) * 1000)
    refused += response.status_code == 403
    scenario.payments += 3
    return refused


async def account_takeover(base_url: str, http: httpx.AsyncClient, shops: list[Shop], accounts: int) -> list[Scenario]:
    """Each shopper's account is born from a payment, she logs in at home (127.0.0.2) and changes it; an
    attacker with her code (phished) logs in from a new browser on another network (127.0.0.1) and tries
    the same. Caught: actions refused until a second code (a step-up)."""
    owners = Scenario("Link: the owner's own device", note="caught = false positives (3 actions each)")
    takers = Scenario("Link account takeover", note="new device and network, phished code")
    home_transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=base_url, timeout=30, transport=home_transport) as home:
        for n in range(accounts):
            shop = random.choice(shops)
            email, phone = f"ato{n}.{uuid.uuid4().hex[:8]}@example.com", _phone()
            signup = {"link_signup[email]": email, "link_signup[phone]": phone, "link_signup[country]": "US"}
            born = {"amount": "2500", "currency": "usd", "confirm": "true", **_card(fresh_card()), **signup}
            born["payment_method_types[0]"], born["payment_method_types[1]"] = "card", "link"
            await http.post("/v1/payment_intents", data=born, auth=(shop.secret, ""))
            home.cookies.clear()
            secret = await _login(home, http, shop, email, phone)
            owners.caught += await _changes(home, shop, secret, owners, f"{n} Home")
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as attacker:
                stolen = await _login(attacker, http, shop, email, phone)
                takers.caught += await _changes(attacker, shop, stolen, takers, f"{n} Drop")
    return [owners, takers]


async def sms_pumping(http: httpx.AsyncClient, shop: Shop, burst: int) -> Scenario:
    """Sign-ups texting codes to numbers of one range (a pumper's rented numbers), and a few premium-rate
    numbers. Caught: texts refused (429 past the range's cap, 400 for premium numbers)."""
    scenario = Scenario("SMS pumping", note="")
    prefix = f"+1415{random.randrange(200, 999)}"
    numbers = [f"{prefix}{n:04d}" for n in range(burst)] + ["+19005550100", "+449098790000"]
    texted = 0
    for n, phone in enumerate(numbers):
        data = {"email_address": f"pump{n}.{uuid.uuid4().hex[:8]}@example.com", "phone_number": phone}
        started = time.perf_counter()
        response = await http.post("/v1/link/consumers", data=data, auth=(shop.publishable, ""))
        scenario.latencies_ms.append((time.perf_counter() - started) * 1000)
        scenario.payments += 1
        texted += response.status_code == 200
        scenario.caught += response.status_code in (400, 429)
    scenario.note = f"{texted} texted of {len(numbers)} (cap 30 per range an hour; 2 premium)"
    return scenario


async def stage_cost(url: str, merchant_id: str, runs: int) -> list[float]:
    """The risk stage alone, in-process on the bench database (its windows full of the traffic above)."""
    db = Database(async_database_url(url), pool_size=2)
    scope, timings = Scope(merchant_id, False), []
    try:
        for i in range(runs):
            facts = PaymentFacts(
                payment_intent_id=f"pi_bench_{i}",
                amount=2000,
                currency="usd",
                fingerprint=f"bench_{i % 50}",
                bin="424242",
                last4="4242",
                brand="visa",
                funding="credit",
                card_country="US",
                email=f"shopper{i % 20}@example.com",
                ip_address=f"198.51.100.{i % 200}",
                customer_id=None,
                description=None,
                link=False,
            )
            async with db.transaction(write=False) as session:
                started = time.perf_counter()
                await assess(session, scope, facts, now=int(time.time()), limits=Limits())
                timings.append((time.perf_counter() - started) * 1000)
    finally:
        await db.dispose()
    return sorted(timings)


async def drive(base_url: str, shops: list[Shop], args: argparse.Namespace) -> list[Scenario]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        return [
            await legitimate(http, shops, args.shoppers),
            await card_testers(http, shops, args.testers),
            await stolen_card(http, shops),
            *await account_takeover(base_url, http, shops, args.takeovers),
            await sms_pumping(http, shops[-1], args.pumped),
        ]


def report(scenarios: list[Scenario], stage_ms: list[float]) -> None:
    rows = [["scenario", "payments", "caught", "caught %", "p50 ms", "p99 ms", "note"]]
    for s in scenarios:
        lat = sorted(s.latencies_ms)
        share = f"{100 * s.caught / s.payments:.1f}" if s.payments else "-"
        p50, p99 = (f"{base.percentile(lat, q):.1f}" for q in (0.5, 0.99))
        rows.append([s.name, str(s.payments), str(s.caught), share, p50, p99, s.note])
    base.print_table(rows)
    p50, p99 = (base.percentile(stage_ms, q) for q in (0.5, 0.99))
    print(f"\nrisk stage alone ({len(stage_ms)} runs, in-process): p50 {p50:.2f} ms, p99 {p99:.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shoppers", type=int, default=300, help="legitimate shoppers (default 300)")
    parser.add_argument("--merchants", type=int, default=5, help="merchants (default 5, at least 2)")
    parser.add_argument("--testers", type=int, default=5, help="card testers (default 5)")
    parser.add_argument("--takeovers", type=int, default=20, help="Link accounts taken over (default 20)")
    parser.add_argument("--pumped", type=int, default=60, help="sign-ups texting one number range (default 60)")
    parser.add_argument("--stage-runs", type=int, default=500, help="in-process runs of the stage (default 500)")
    args = parser.parse_args()
    if args.merchants < 2 or min(args.shoppers, args.testers, args.stage_runs) < 1:
        parser.error("--merchants at least 2; --shoppers, --testers, --stage-runs at least 1")
    random.seed(7)
    db_name: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="lynk-bench-") as tmp:
        try:
            db_name = f"lynk_bench_{uuid.uuid4().hex[:12]}"
            asyncio.run(base.admin_sql(base.ADMIN_URL, f'CREATE DATABASE "{db_name}"'))
            url = f"{base.ADMIN_URL.rpartition('/')[0]}/{db_name}"
            master_key = base64.b64encode(os.urandom(32)).decode()
            env = {
                **os.environ,
                "LYNK_DATABASE_URL": url,
                "LYNK_HOME": tmp,
                "LYNK_MASTER_KEY": master_key,
                "LYNK_RADAR_DECLINES_PER_IP": "0",
                # Every simulated shopper comes from loopback: Link's per-IP limits would stop the scenarios
                # before the defences they measure.
                "LYNK_LINK_SENDS_PER_IP": "100000",
                "LYNK_LINK_LOOKUPS_PER_IP": "100000",
            }
            port = base.free_port()
            proc = base.start_server(env, port, 1, Path(tmp) / "server.log")
            base.wait_healthy(f"http://127.0.0.1:{port}", proc)
            shops = []
            for n in range(args.merchants):
                cmd = [str(base.LYNK), "merchants", "create", "--name", f"Shop {n}", "--json"]
                made = json.loads(subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout)
                shops.append(Shop(made["id"], made["secret_key"], made["publishable_key"]))
            scenarios = asyncio.run(drive(f"http://127.0.0.1:{port}", shops, args))
            stage_ms = asyncio.run(stage_cost(url, shops[0].id, args.stage_runs))
            print(f"cpu count {os.cpu_count()}; merchants {args.merchants}; one lynk serve worker; PostgreSQL\n")
            report(scenarios, stage_ms)
            return 0
        except KeyboardInterrupt:
            return 130
        finally:
            if proc is not None:
                base.stop_server(proc)
            if db_name is not None:
                asyncio.run(base.admin_sql(base.ADMIN_URL, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


if __name__ == "__main__":
    sys.exit(main())
