"""`lynk serve` killed with SIGKILL mid-request and restarted on the same database: the retry with the
same Idempotency-Key runs or replays at once (no 409 while a dead process's claim times out)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.payments.served import Served, served
from tests.servers import backends
from tests.webhooks.support import wait_for


@pytest.fixture(params=backends())
def lynk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    with served(request.param, tmp_path) as running:
        yield running


def _pay(base: str, secret_key: str, key: str, **extra: str) -> httpx.Response:
    data = {"amount": "1500", "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true", **extra}
    return httpx.post(
        f"{base}/v1/payment_intents", data=data, auth=(secret_key, ""), headers={"Idempotency-Key": key}, timeout=60
    )


def test_a_key_left_in_flight_by_a_killed_process_is_reclaimed_at_once(lynk: Served) -> None:
    base = lynk.start(LYNK_SIMULATOR_LATENCY_MS="60000")  # the processor's answer never comes before the kill
    key = str(uuid.uuid4())
    cut_off: list[BaseException] = []

    def doomed() -> None:
        try:
            _pay(base, lynk.secret_key, key)
        except httpx.HTTPError as error:
            cut_off.append(error)

    request = threading.Thread(target=doomed)
    request.start()
    in_flight = "SELECT status FROM idempotency_keys WHERE key = :key"
    wait_for(lambda: lynk.query(in_flight, key=key) == [("in_flight",)], 120, "the request to claim its key")
    lynk.kill(base)
    request.join(timeout=60)
    assert len(cut_off) == 1  # the client saw the connection drop, no answer

    restarted = lynk.start()
    retried = _pay(restarted, lynk.secret_key, key)
    assert retried.status_code == 200, retried.text  # not 409 for a minute: the claim's owner is gone
    assert retried.json()["status"] == "succeeded"
    replayed = _pay(restarted, lynk.secret_key, key)
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert replayed.json()["id"] == retried.json()["id"]
    payments = lynk.query("SELECT count(*) FROM payment_intents")
    assert payments == [(1,)]
