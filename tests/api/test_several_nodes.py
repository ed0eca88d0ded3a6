"""Several nodes behave as one: three `lynk serve` and two `lynk worker` processes on one PostgreSQL and one
Redis take a mixed workload round-robin (payments across merchants, refunds, Link lookups, webhook
deliveries, upkeep); one server and one worker are killed with SIGKILL mid-run. Afterwards: every
payment is charged once, every event reached its endpoint, the Link lookup limit was counted across the
nodes, and `lynk ledger verify` finds the books balanced.

Refunds go to the node that took the payment: until the simulator keeps its state in the database
(issue 20) a node can't refund what another node's simulator authorized. Bounded: 36 payments, at most
a few minutes on 2 busy cores.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.api.processes import LYNK, Served, environment, lynk_serve
from tests.servers import POSTGRES_URL, fresh_database
from tests.webhooks.support import receiver, wait_for

REDIS_URL = "redis://127.0.0.1:6379/9"
LOOKUP_LIMIT = 12
# Lynk's limit windows are fixed and aligned to the epoch (`now // window`): in windows of a minute, the lookups
# were split in two whenever they straddled a minute's turn (1 to 2 s of lookups on busy cores, so 2 or 3 runs in
# a hundred), each part under the limit, and all 18 answered 200. One window from 1970 to the year 2286 holds them.
LOOKUP_WINDOW_SECONDS = 10**10
PAYMENTS = 36


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def start_worker(env: dict[str, str], home: Path, name: str) -> subprocess.Popen[bytes]:
    with (home / f"{name}.log").open("wb") as sink:
        return subprocess.Popen(
            [LYNK, "worker", "--no-migrate"], env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )


class Cluster:
    """The nodes as a load balancer sees them: round-robin, skipping one that does not answer."""

    def __init__(self, nodes: list[Served]) -> None:
        self.nodes = nodes
        self.dead: set[int] = set()
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def next_node(self) -> int:
        with self._lock:
            while True:
                index = next(self._turn) % len(self.nodes)
                if index not in self.dead:
                    return index

    def post(
        self, path: str, data: dict[str, str], secret: str, idempotency_key: str, *, node: int | None = None
    ) -> tuple[int, httpx.Response]:
        """POST with an idempotency key; on a refused connection or a key still held by a dead node, retry
        the same request on the next node, as an SDK behind a load balancer does."""
        deadline = time.monotonic() + 90
        while True:
            index = self.next_node() if node is None else node
            try:
                answer = httpx.post(
                    f"{self.nodes[index].base_url}{path}",
                    data=data,
                    auth=(secret, ""),
                    headers={"Idempotency-Key": idempotency_key},
                    timeout=60,
                )
            except httpx.TransportError:
                if node is not None or time.monotonic() > deadline:
                    raise
                continue
            if answer.status_code == 409 and time.monotonic() < deadline and node is None:
                time.sleep(0.5)  # the dead node's claim on the key expires (LYNK_IDEMPOTENCY_LOCK_SECONDS)
                continue
            return index, answer


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL or not _redis_answers(), reason="needs PostgreSQL and Redis")
def test_three_nodes_and_two_workers_behave_as_one(tmp_path: Path) -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()
    home = tmp_path / "home"
    with fresh_database("postgres", tmp_path) as url, ExitStack() as stack:
        stack.callback(redis.Redis.from_url(REDIS_URL).flushdb)  # the window's counters would outlive the suite
        receivers = [stack.enter_context(receiver()) for _ in range(3)]  # one endpoint per merchant
        env = environment(
            home,
            url,
            LYNK_REDIS_URL=REDIS_URL,
            LYNK_IDEMPOTENCY_LOCK_SECONDS="3",
            LYNK_LINK_LOOKUPS_PER_IP=str(LOOKUP_LIMIT),
            LYNK_LINK_LOOKUP_WINDOW_SECONDS=str(LOOKUP_WINDOW_SECONDS),
            LYNK_WEBHOOK_LEASE_SECONDS="5",
            LYNK_WEBHOOK_POLL_INTERVAL_SECONDS="0.1",
            LYNK_MAINTENANCE_INTERVAL_SECONDS="2",
        )
        home.mkdir(parents=True, exist_ok=True)
        merchants = []
        for name in ("North", "South", "East"):
            made = subprocess.run(
                [LYNK, "merchants", "create", "--name", name, "--json"], env=env, capture_output=True, timeout=120
            )
            merchants.append(json.loads(made.stdout))
        nodes = [stack.enter_context(lynk_serve(env, "--no-worker", "--no-migrate")) for _ in range(3)]
        workers = [start_worker(env, home, f"worker-{i}") for i in range(2)]
        stack.callback(lambda: [os.killpg(w.pid, signal.SIGKILL) for w in workers if w.poll() is None])
        cluster = Cluster(nodes)
        for index, (merchant, hooks) in enumerate(zip(merchants, receivers, strict=True)):
            _, endpoint = cluster.post(
                "/v1/webhook_endpoints",
                {"url": hooks.url, "enabled_events[]": "payment_intent.succeeded"},
                merchant["secret_key"],
                f"endpoint-{index}",
            )
            assert endpoint.status_code == 200, endpoint.text
            hooks.secrets.append(endpoint.json()["secret"])

        # Link lookups from one IP, spread over the three nodes, count into one window in Redis.
        lookups = []
        for n in range(LOOKUP_LIMIT + 6):
            node = nodes[n % 3]
            lookups.append(
                httpx.post(
                    f"{node.base_url}/v1/link/consumers/lookup",
                    data={"email_address": f"nobody.{n}@example.com"},
                    auth=(merchants[n % 3]["publishable_key"], ""),
                    timeout=60,
                ).status_code
            )
        assert lookups.count(200) == LOOKUP_LIMIT and lookups.count(429) == 6, lookups

        answered: dict[str, str] = {}  # payment intent -> merchant secret key
        refunded: list[str] = []
        attempted: list[str] = []
        lock = threading.Lock()

        def pay(n: int) -> None:
            merchant = merchants[n % 3]
            data = {"amount": str(1000 + n), "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"}
            node, answer = cluster.post("/v1/payment_intents", data, merchant["secret_key"], uuid.uuid4().hex)
            assert answer.status_code == 200, answer.text
            intent = answer.json()
            assert intent["status"] == "succeeded"
            with lock:
                answered[intent["id"]] = merchant["secret_key"]
            if n % 4 == 0 and node not in cluster.dead:  # a partial refund, on the node that took the payment
                with lock:
                    attempted.append(intent["id"])
                try:
                    _, refund = cluster.post(
                        "/v1/refunds",
                        {"payment_intent": intent["id"], "amount": "100"},
                        merchant["secret_key"],
                        f"refund-{intent['id']}",
                        node=node,
                    )
                except httpx.TransportError:
                    return  # that node was killed meanwhile
                if refund.status_code == 200:
                    with lock:
                        refunded.append(intent["id"])

        with ThreadPoolExecutor(max_workers=4) as pool:
            running = [pool.submit(pay, n) for n in range(PAYMENTS)]
            for finished, done in enumerate(as_completed(running)):
                done.result()
                if finished == PAYMENTS // 3:  # mid-run, requests in flight: a server and a worker die
                    cluster.dead.add(2)
                    nodes[2].process.send_signal(signal.SIGKILL)
                    workers[1].send_signal(signal.SIGKILL)

        assert len(answered) == PAYMENTS
        expected = [_succeeded_events(cluster, merchant) for merchant in merchants]
        assert sum(len(events) for events in expected) == PAYMENTS
        for events, hooks in zip(expected, receivers, strict=True):
            wait_for(lambda: set(events) <= set(hooks.ids()), timeout=180, what="every event delivered")  # noqa: B023
            assert hooks.refused_signatures == 0
            assert set(hooks.ids()) == set(events)  # each endpoint got its merchant's events, no other

        charges = _charges(cluster, merchants)
        for intent_id in answered:
            succeeded = [c for c in charges if c["payment_intent"] == intent_id and c["status"] == "succeeded"]
            assert len(succeeded) == 1, (intent_id, succeeded)  # charged once
        assert len(charges) == PAYMENTS
        # A refund whose node died before answering may have been made or not; none is made twice.
        assert 100 * len(refunded) <= sum(c["amount_refunded"] for c in charges) <= 100 * len(attempted)
        assert all(c["amount_refunded"] in (0, 100) for c in charges)

        audit = subprocess.run([LYNK, "ledger", "verify"], env=env, capture_output=True, text=True, timeout=120)
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert workers[0].poll() is None, (home / "worker-0.log").read_text()  # the survivor keeps working


def _list(cluster: Cluster, path: str, key: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    params: dict[str, str] = {"limit": "100"}
    while True:
        node = cluster.nodes[cluster.next_node()]
        page = httpx.get(f"{node.base_url}{path}", params=params, auth=(key, ""), timeout=60).json()
        found.extend(page["data"])
        if not page["has_more"]:
            return found
        params["starting_after"] = page["data"][-1]["id"]


def _succeeded_events(cluster: Cluster, merchant: dict[str, Any]) -> list[str]:
    events = _list(cluster, "/v1/events", merchant["secret_key"])
    return [event["id"] for event in events if event["type"] == "payment_intent.succeeded"]


def _charges(cluster: Cluster, merchants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for m in merchants for c in _list(cluster, "/v1/charges", m["secret_key"])]
