"""Per-processor health and the circuit breaker: a processor whose calls keep failing is skipped by
routing, and comes back after a successful probe."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from lynk.processors import health
from lynk.processors.health import HealthBoard
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.processors.broken import broken_processor
from tests.processors.support import Acquirer, acquirer, add_processor, lynk_processor, stripe_processor, stripe_server
from tests.servers import LynkServer

__all__ = ["acquirer", "stripe_server"]  # fixtures


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_on_failures_and_a_probe_closes_it() -> None:
    clock = _Clock()
    board = HealthBoard(clock)
    for ok in (True, False, True, False):
        board.record("proc_a", ok=ok, latency_s=0.1)
    assert board.allows("proc_a")  # four calls: too few to judge
    board.record("proc_a", ok=False, latency_s=0.3)
    report = board.report("proc_a")
    assert (report["calls"], report["success_rate"], report["breaker"]) == (5, 0.4, "open")
    assert report["mean_latency_ms"] == 140
    assert not board.allows("proc_a")

    clock.now += health.COOLDOWN_SECONDS
    assert board.allows("proc_a")  # one probe
    assert not board.allows("proc_a")  # and only one
    board.record("proc_a", ok=False, latency_s=0.1)
    assert board.report("proc_a")["breaker"] == "open"

    clock.now += health.COOLDOWN_SECONDS
    assert board.allows("proc_a")
    board.record("proc_a", ok=True, latency_s=0.1)
    assert board.report("proc_a")["breaker"] == "closed" and board.allows("proc_a")


def test_calls_older_than_the_window_are_forgotten() -> None:
    clock = _Clock()
    board = HealthBoard(clock)
    for _ in range(4):
        board.record("proc_b", ok=False, latency_s=0.1)
    clock.now += health.WINDOW_SECONDS + 1
    board.record("proc_b", ok=False, latency_s=0.1)
    assert board.report("proc_b")["calls"] == 1 and board.allows("proc_b")


@pytest.fixture
def clock() -> Iterator[_Clock]:
    moved = _Clock()
    moved.now = time.monotonic()
    previous, health.BOARD.clock = health.BOARD.clock, moved
    try:
        yield moved
    finally:
        health.BOARD.clock = previous


def test_routing_skips_a_processor_whose_breaker_is_open_until_a_probe(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer, clock: _Clock
) -> None:
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

        assert pay() == backup
        assert len(seen) == 2 * health.MIN_CALLS  # the sick processor was not asked

        clock.now += health.COOLDOWN_SECONDS
        assert pay() == backup
        assert len(seen) == 2 * health.MIN_CALLS + 2  # one probe, which failed: open again
        assert pay() == backup
        assert len(seen) == 2 * health.MIN_CALLS + 2
