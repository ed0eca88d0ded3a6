"""Per-processor health and the circuit breaker: a processor whose calls keep failing is skipped by
routing, and comes back after a successful probe."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.processors import health
from lynk.processors.health import HealthBoard
from tests.conftest import sdk_client
from tests.merchants.factories import make_merchant
from tests.payments.served import LYNK
from tests.processors.broken import broken_processor
from tests.processors.support import Acquirer, acquirer, add_processor, lynk_processor, stripe_processor, stripe_server
from tests.processors.test_processor_accounts import cli_env
from tests.servers import LynkServer

__all__ = ["acquirer", "cli_env", "stripe_server"]  # fixtures
T = TypeVar("T")


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _in(server: LynkServer, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`work` in one transaction on the server's database (each call a process's short write)."""

    async def run() -> T:
        async with server.db.transaction() as session:
            return await work(session)

    return server.call(run)


def test_the_breaker_opens_on_failures_and_a_probe_closes_it(server: LynkServer) -> None:
    clock, processor = _Clock(), f"proc_{uuid.uuid4().hex[:12]}"
    board, other = HealthBoard(clock), HealthBoard(clock)  # two processes: one database

    def record(ok: bool, latency_s: float = 0.1, on: HealthBoard = board) -> None:
        _in(server, lambda session: on.record(session, processor, ok=ok, latency_s=latency_s))

    def allows(on: HealthBoard = board) -> bool:
        return _in(server, lambda session: on.allows(session, processor))

    def report() -> dict[str, Any]:
        return _in(server, lambda session: other.report(session, processor))

    for ok in (True, False, True, False):
        record(ok)
    assert allows()  # four calls: too few to judge
    record(False, 0.3, on=other)
    shown = report()
    assert (shown["calls"], shown["success_rate"], shown["breaker"]) == (5, 0.4, "open")
    assert shown["mean_latency_ms"] == 140
    assert not allows() and not allows(other)

    clock.now += health.COOLDOWN_SECONDS
    assert allows(other)  # one probe, in one process
    assert not allows() and not allows(other)  # and only one
    record(False, on=other)
    assert report()["breaker"] == "open"

    clock.now += health.COOLDOWN_SECONDS
    assert allows()
    record(True)
    assert report()["breaker"] == "closed" and allows(other)
    assert report()["calls"] == 1  # the window starts afresh


def test_calls_older_than_the_window_are_forgotten(server: LynkServer) -> None:
    clock, processor = _Clock(), f"proc_{uuid.uuid4().hex[:12]}"
    board = HealthBoard(clock)
    for _ in range(4):
        _in(server, lambda session: board.record(session, processor, ok=False, latency_s=0.1))
    clock.now += health.WINDOW_SECONDS + 1
    _in(server, lambda session: board.record(session, processor, ok=False, latency_s=0.1))
    assert _in(server, lambda session: board.report(session, processor))["calls"] == 1
    assert _in(server, lambda session: board.allows(session, processor))


@pytest.fixture
def clock() -> Iterator[_Clock]:
    moved = _Clock()
    # An hour ahead of real time: the command line's process reads the breaker on the real clock, and
    # would see its 30 s cooldown run out (half_open) on a machine slow enough to take that long to get there.
    moved.now = time.time() + 3600
    previous, health.BOARD.clock = health.BOARD.clock, moved
    try:
        yield moved
    finally:
        health.BOARD.clock = previous


def test_routing_skips_a_processor_whose_breaker_is_open_until_a_probe(
    server: LynkServer, cli_env: dict[str, str], acquirer: Acquirer, clock: _Clock
) -> None:
    merchant = make_merchant(server)
    client = sdk_client(server, merchant.secret_key)

    def pay() -> str:
        intent = client.v1.payment_intents.create(
            {"amount": 1200, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )
        return str(lynk_processor(client.v1.charges.retrieve(str(intent.latest_charge)))["id"])

    with broken_processor("empty") as (url, seen):
        sick = add_processor(server, merchant, kind="stripe", secret_key="sk_test_x", api_base=url)["id"]
        backup = stripe_processor(server, merchant, acquirer, priority=1)
        for _ in range(health.MIN_CALLS):
            assert pay() == backup  # each after a failed call to the sick one
        assert len(seen) == 2 * health.MIN_CALLS
        shown = httpx.get(
            f"{server.base_url}/v1/lynk/processors/{sick}",
            headers={"Authorization": f"Bearer {merchant.secret_key}"},
            timeout=30,
        ).json()["health"]
        assert (shown["calls"], shown["success_rate"], shown["breaker"]) == (health.MIN_CALLS, 0.0, "open")
        # Another process (the operator's command line) sees the same health: it is kept in the database.
        printed = subprocess.run(
            [*LYNK, "processors", "health", "--merchant", merchant.id, "--json"],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        by_id = {row["id"]: row["health"] for row in json.loads(printed.stdout)["data"]}
        assert (by_id[sick]["calls"], by_id[sick]["breaker"]) == (health.MIN_CALLS, "open")
        assert (by_id[backup]["calls"], by_id[backup]["success_rate"]) == (health.MIN_CALLS, 1.0)

        assert pay() == backup
        assert len(seen) == 2 * health.MIN_CALLS  # the sick processor was not asked

        clock.now += health.COOLDOWN_SECONDS
        assert pay() == backup
        assert len(seen) == 2 * health.MIN_CALLS + 2  # one probe, which failed: open again
        assert pay() == backup
        assert len(seen) == 2 * health.MIN_CALLS + 2
