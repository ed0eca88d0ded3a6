"""The fault test of issue 20: `lynk serve` killed with SIGKILL several times under a mixed load of
payments, captures and refunds on PostgreSQL; every request without an answer is retried with the
same Idempotency-Key. Afterwards no money is doubled or lost, nothing is stuck, nothing that should
have succeeded was refused, and `lynk ledger verify` holds. Run with one process, `--workers 2`, and
two `lynk serve` processes taking requests in turn."""

from __future__ import annotations

import itertools
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.payments.served import LYNK, Served, served
from tests.servers import POSTGRES_URL
from tests.webhooks.support import wait_for

CLIENTS = 6
FLOWS_PER_CLIENT = 5
KILLS = 3
DEADLINE_S = 600  # the whole run; a request retried for this long counts as stuck


@dataclass
class Pool:
    """The servers' base URLs, taken in turn (round-robin); empty while all are down."""

    bases: list[str]
    _turn: Iterator[int] = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> str | None:
        with self.lock:
            return self.bases[next(self._turn) % len(self.bases)] if self.bases else None


@dataclass
class Tally:
    refused: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    requests: int = 0
    retried: int = 0  # sent again with the same key: the connection dropped, or a 409 or 5xx came back
    lock: threading.Lock = field(default_factory=threading.Lock)


def _until_answered(pool: Pool, secret_key: str, path: str, data: dict[str, str], tally: Tally) -> dict | None:
    """POST with one Idempotency-Key until a final answer: a dropped connection, 409 or 5xx is retried."""
    key, deadline = str(uuid.uuid4()), time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        base = pool.next()
        if base is None:
            time.sleep(0.1)  # every server is down for a moment: a client waits, then retries
            continue
        with tally.lock:
            tally.requests += 1
        try:
            response = httpx.post(
                f"{base}{path}", data=data, auth=(secret_key, ""), headers={"Idempotency-Key": key}, timeout=30
            )
        except httpx.HTTPError:
            response = None
        if response is None or response.status_code == 409 or response.status_code >= 500:
            with tally.lock:
                tally.retried += 1
            continue
        if response.status_code != 200:
            with tally.lock:
                tally.refused.append(f"{path} {response.status_code} {response.text[:200]}")
            return None
        body: dict = response.json()
        return body
    with tally.lock:
        tally.stuck.append(path)
    return None


def _client(pool: Pool, secret_key: str, saved: tuple[str, str], tally: Tally) -> None:
    customer, payment_method = saved
    for n in range(FLOWS_PER_CLIENT):
        manual = n % 2 == 0
        data = {
            "amount": "2000",
            "currency": "usd",
            "customer": customer,
            "payment_method": payment_method,
            "confirm": "true",
        }
        pi = _until_answered(
            pool,
            secret_key,
            "/v1/payment_intents",
            {**data, "capture_method": "manual" if manual else "automatic"},
            tally,
        )
        if pi is None:
            continue
        if manual and _until_answered(pool, secret_key, f"/v1/payment_intents/{pi['id']}/capture", {}, tally) is None:
            continue
        refund = {"payment_intent": pi["id"], "amount": "700"}
        _until_answered(pool, secret_key, "/v1/refunds", refund, tally)


def _saved_cards(base: str, secret_key: str) -> list[tuple[str, str]]:
    """A customer with a saved card per client: a card attached to no customer pays only once, as at Stripe."""
    made = []
    for _ in range(CLIENTS):
        card = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034"}
        response = httpx.post(f"{base}/v1/payment_methods", data=card, auth=(secret_key, ""), timeout=60)
        payment_method = response.json()["id"]
        customer = httpx.post(f"{base}/v1/customers", auth=(secret_key, ""), timeout=60).json()["id"]
        attached = httpx.post(
            f"{base}/v1/payment_methods/{payment_method}/attach",
            data={"customer": customer},
            auth=(secret_key, ""),
            timeout=60,
        )
        assert attached.status_code == 200, attached.text
        made.append((customer, payment_method))
    return made


@pytest.fixture
def lynk(tmp_path: Path) -> Iterator[Served]:
    if not POSTGRES_URL:
        pytest.skip("the fault test runs on PostgreSQL (set LYNK_TEST_POSTGRES_URL)")
    with served("postgres", tmp_path) as running:
        yield running


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["one process", "--workers 2", "two processes"])
def test_sigkill_under_load_loses_and_doubles_nothing(lynk: Served, layout: str) -> None:
    args = ["--workers", "2"] if layout == "--workers 2" else []
    count = 2 if layout == "two processes" else 1
    pool = Pool([lynk.start(None, *args, LYNK_SIMULATOR_LATENCY_MS="30") for _ in range(count)])
    cards = _saved_cards(pool.bases[0], lynk.secret_key)
    tally = Tally()
    clients = [threading.Thread(target=_client, args=(pool, lynk.secret_key, card, tally)) for card in cards]
    for client in clients:
        client.start()
    payments = "SELECT count(*) FROM payment_intents"
    for kill in range(KILLS):  # kill under load: each time after more payments were made
        wait_for(lambda k=kill: lynk.query(payments)[0][0] >= (k + 1) * 5, DEADLINE_S, "payments between kills")
        victim = pool.bases[kill % len(pool.bases)]
        with pool.lock:
            pool.bases.remove(victim)
        lynk.kill(victim)
        port = int(victim.rpartition(":")[2])
        restarted = lynk.start(port, *args, LYNK_SIMULATOR_LATENCY_MS="30")
        with pool.lock:
            pool.bases.append(restarted)
    for client in clients:
        client.join(timeout=DEADLINE_S)

    flows = CLIENTS * FLOWS_PER_CLIENT
    print(f"faults ({layout}): {KILLS} kills, {tally.requests} requests, {tally.retried} retried with their key")
    assert tally.retried > 0  # the kills did cut requests off
    assert (tally.refused, tally.stuck) == ([], [])
    assert lynk.query("SELECT status, count(*) FROM payment_intents GROUP BY status") == [("succeeded", flows)]
    refunds = lynk.query("SELECT count(*), sum(amount) FROM refunds WHERE status = 'succeeded'")
    assert refunds == [(flows, flows * 700)]
    kept = lynk.query("SELECT sum(amount_captured - amount_refunded) FROM charges WHERE status = 'succeeded'")
    at_processor = lynk.simulator_query("SELECT sum(captured - refunded), count(*) FROM simulator_payments")
    assert kept[0][0] == flows * 1_300
    assert at_processor[0][0] == flows * 1_300  # the processor holds what Lynk holds: nothing doubled or lost
    held = lynk.simulator_query("SELECT count(*) FROM simulator_payments WHERE state = 'authorized'")
    assert held == [(0,)]  # no authorization left hanging at the processor
    verified = subprocess.run([*LYNK, "ledger", "verify"], env=lynk.env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
