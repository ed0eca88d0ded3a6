"""`lynk worker` as real processes on a database of their own: killed with SIGKILL mid-delivery and
restarted (nothing lost, duplicates bounded by the batch in flight); two workers on PostgreSQL;
and `lynk serve`, which runs the worker in-process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import stripe

from lynk.core.db import Database
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.merchants import service as merchants
from lynk.models.webhook import DeliveryStatus, WebhookDelivery
from lynk.vault.keyring import new_key_text
from lynk.webhooks import service as webhooks
from tests.servers import POSTGRES_URL, backends, ctrl_c_works, free_port, fresh_database
from tests.webhooks.support import receiver, wait_for


def seed(url: str, endpoint_url: str, count: int) -> tuple[str, list[str]]:
    """A merchant, an endpoint listening to everything, and `count` events; returns (secret, event ids)."""

    async def run() -> tuple[str, list[str]]:
        db = Database(url, pool_size=2)
        now = int(time.time())
        try:
            async with db.transaction() as session:
                merchant, _keys = await merchants.create_merchant(session, "Worker test", now=now)
                scope = Scope(merchant.id, livemode=False)
                endpoint = await webhooks.create(
                    session,
                    scope,
                    url=endpoint_url,
                    enabled_events=["*"],
                    description=None,
                    api_version=None,
                    metadata=None,
                    now=now,
                    private_targets="test",
                )
            ids: list[str] = []
            async with db.transaction() as session:
                for i in range(count):
                    obj = {"id": f"cus_{i}", "object": "customer"}
                    ids.append((await events.record(session, scope, "customer.created", obj, now=now)).id)
            return endpoint.secret, ids
        finally:
            await db.dispose()

    return asyncio.run(run())


def succeeded_deliveries(url: str) -> int:
    """How many deliveries the database records as succeeded: once all are, no worker sends one again."""
    return sum(1 for status, _attempts in delivery_records(url).values() if status == DeliveryStatus.SUCCEEDED)


def delivery_records(url: str) -> dict[str, tuple[str, int]]:
    """Each event's delivery as the database records it: (status, attempts made)."""

    async def run() -> dict[str, tuple[str, int]]:
        db = Database(url, pool_size=1)
        try:
            async with db.transaction() as session:
                columns = (WebhookDelivery.event_id, WebhookDelivery.status, WebhookDelivery.attempts)
                result = await session.execute(sa.select(*columns))
                return {event_id: (status, attempts) for event_id, status, attempts in result.all()}
        finally:
            await db.dispose()

    return asyncio.run(run())


def start_worker(url: str, home: Path, *, lease: int, batch: int, timeout: int = 1) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LYNK_HOME": str(home),
        "LYNK_DATABASE_URL": url,
        "LYNK_MASTER_KEY": new_key_text(),
        "LYNK_WEBHOOK_LEASE_SECONDS": str(lease),
        "LYNK_WEBHOOK_BATCH_SIZE": str(batch),
        "LYNK_WEBHOOK_TIMEOUT_SECONDS": str(timeout),
        "LYNK_WEBHOOK_POLL_INTERVAL_SECONDS": "0.1",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "lynk.cli.main", "worker", "--no-upkeep", "--no-migrate"]
    with (home / "worker.log").open("ab") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=log, preexec_fn=ctrl_c_works)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(params=backends())
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


def test_a_killed_worker_loses_nothing(database: str, tmp_path: Path) -> None:
    total, batch = 300, 20
    with receiver(respond=lambda _n: ("sleep", 0.01)) as hooks:
        secret, ids = seed(database, hooks.url, total)
        hooks.secrets.append(secret)
        worker = start_worker(database, tmp_path, lease=3, batch=batch)
        try:
            wait_for(lambda: len(hooks.ids()) >= 80, timeout=60, what="deliveries before the kill")
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            before_restart = len(hooks.ids())
            assert before_restart < total, "the worker finished before it could be killed"
            worker = start_worker(database, tmp_path, lease=3, batch=batch)
            wait_for(lambda: set(hooks.ids()) == set(ids), timeout=120, what="every event after the restart")
        finally:
            stop(worker)
        duplicates = len(hooks.ids()) - total
        assert 0 <= duplicates <= batch, f"{duplicates} duplicates, more than one batch in flight"


@pytest.mark.skipif(not POSTGRES_URL, reason="needs LYNK_TEST_POSTGRES_URL")
def test_two_workers_deliver_5000_events_once_each(tmp_path: Path) -> None:
    total = 5000
    with fresh_database("postgres", tmp_path) as url, receiver() as hooks:
        secret, ids = seed(url, hooks.url, total)
        hooks.secrets.append(secret)
        # A generous timeout: on a loaded machine the receiver (a thread in this process) may answer after
        # a second, and a request the worker gave up on is rightly sent again.
        workers = [start_worker(url, tmp_path, lease=120, batch=100, timeout=30) for _ in range(2)]
        try:
            wait_for(lambda: len(hooks.ids()) >= total, timeout=600, what="5,000 deliveries")
            # Stopped only once every delivery is recorded: a worker's count then holds all it sent,
            # and nothing is left that could be sent twice.
            wait_for(lambda: succeeded_deliveries(url) == total, timeout=120, what="5,000 deliveries recorded")
        finally:
            for worker in workers:
                stop(worker)
        counts = hooks.counts()
        assert set(counts) == set(ids)
        # Sent again only after an attempt the worker recorded as failed, never because two workers held
        # the same delivery (that would leave one recorded attempt for two requests received).
        records = delivery_records(url)
        sent_twice = {event: n for event, n in counts.items() if n > records[event][1]}
        assert not sent_twice, f"received more often than attempted: {sent_twice}"
        assert sum(counts.values()) - total <= 10, "more than a few timed-out attempts sent again"
        shares = [
            int(n) for n in re.findall(r"stopped: \d+ attempts, (\d+) delivered", (tmp_path / "worker.log").read_text())
        ]
        assert len(shares) == 2 and sum(shares) == total and min(shares) > 0, shares  # both workers took part
        assert hooks.refused_signatures == 0


def test_serve_runs_the_worker_in_process(database: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LYNK_HOME": str(tmp_path),
        "LYNK_DATABASE_URL": database,
        "LYNK_MASTER_KEY": new_key_text(),
        "PYTHONUNBUFFERED": "1",
    }
    lynk = [sys.executable, "-m", "lynk.cli.main"]
    made = subprocess.run([*lynk, "merchants", "create", "--name", "Served", "--json"], env=env, capture_output=True)
    secret_key = json.loads(made.stdout)["secret_key"]
    port = free_port()
    server = subprocess.Popen(
        [*lynk, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, preexec_fn=ctrl_c_works
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/healthz"), timeout=120, what="lynk serve")
        client = stripe.StripeClient(secret_key, base_addresses={"api": base}, max_network_retries=0)
        with receiver() as hooks:
            endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["*"]})
            hooks.secrets.append(endpoint.secret)
            customer = client.v1.customers.create(params={"name": "In process"})
            wait_for(lambda: len(hooks.ids()) == 1, timeout=120, what="the in-process delivery")
            assert hooks.deliveries[0].event["data"]["object"]["id"] == customer.id
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False
