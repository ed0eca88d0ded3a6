"""Atomic phases (issue 13, item 3): `lynk serve` killed with SIGKILL while the processor has a card
authorization, i.e. after the attempt was committed and before its outcome was. The processor acts, then
takes a minute to answer (`LYNK_SIMULATOR_LATENCY_MS`), so the kill lands between the phases. Meanwhile
another confirm is refused by the intent's state at once (no lock is held over the network). Afterwards
the retry with the same Idempotency-Key, or the recovery job of a restarted server, ends with exactly
one authorization, one charge and a balanced ledger."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import DBAPIError

from tests.payments.served import LYNK, Served, served
from tests.payments.served import post as _post
from tests.servers import backends
from tests.webhooks.support import wait_for

SLOW = {"LYNK_SIMULATOR_LATENCY_MS": "60000"}  # the processor's answer never comes before the kill


@pytest.fixture(params=backends())
def lynk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    with served(request.param, tmp_path) as running:
        yield running


def _saved_card(base: str, lynk: Served) -> tuple[str, str]:
    """A customer's card: the same card on every request, so a retry asks the processor the same question."""
    card = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034"}
    payment_method = _post(base, lynk, "/v1/payment_methods", **card).json()["id"]
    customer = _post(base, lynk, "/v1/customers").json()["id"]
    assert _post(base, lynk, f"/v1/payment_methods/{payment_method}/attach", customer=customer).status_code == 200
    return customer, payment_method


def _kill_between_the_phases(
    lynk: Served, base: str, path: str, key: str, data: dict[str, str], operation: str = "authorize"
) -> str:
    """Send the request, wait until the processor has acted and the intent is `processing`, then kill the
    server; returns the intent's id. Another request, sent while the processor has the first, is refused."""
    request = threading.Thread(target=lambda: _cut_off(base, lynk, path, key, data))
    request.start()
    processing = "SELECT id FROM payment_intents WHERE status = 'processing'"
    wait_for(lambda: len(lynk.query(processing)) == 1, 120, "the attempt to be committed")
    acted = [["captured"]] if operation == "capture" else [["authorized"], ["captured"]]
    wait_for(lambda: _at_processor(lynk) in acted, 120, "the processor to act")
    [(pi_id,)] = lynk.query(processing)
    other = _post(base, lynk, f"/v1/payment_intents/{pi_id}/{'capture' if operation == 'capture' else 'confirm'}")
    assert other.status_code == 400, other.text  # refused by state while the processor has the first
    assert other.json()["error"]["code"] == "payment_intent_unexpected_state"
    lynk.kill(base)
    request.join(timeout=60)
    calls = f"SELECT status FROM connector_calls WHERE operation = '{operation}'"
    assert lynk.query(calls) == [("started",)]
    return str(pi_id)


def _at_processor(lynk: Served) -> list[str]:
    """The states of the payments the processor holds (none while the simulator has not made its tables)."""
    try:
        return [state for (state,) in lynk.simulator_query("SELECT state FROM simulator_payments")]
    except DBAPIError:
        return []


def _cut_off(base: str, lynk: Served, path: str, key: str, data: dict[str, str]) -> None:
    with contextlib.suppress(httpx.HTTPError):  # cut off by the kill, as expected
        _post(base, lynk, path, key, **data)


def _one_charge_and_balanced_books(lynk: Served, pi_id: str, amount_captured: int) -> None:
    assert len(_at_processor(lynk)) == 1  # the processor authorized once
    charges = lynk.query("SELECT payment_intent_id, amount_captured FROM charges")
    assert charges == [(pi_id, amount_captured)]
    assert lynk.query("SELECT status FROM connector_calls WHERE operation = 'authorize'") != [("started",)]
    verified = subprocess.run([*LYNK, "ledger", "verify"], env=lynk.env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize("capture_method", ["automatic", "manual"])
def test_a_confirm_killed_between_the_phases_is_resolved_by_its_retry(lynk: Served, capture_method: str) -> None:
    base = lynk.start(**SLOW)
    customer, card = _saved_card(base, lynk)
    created = {"amount": "2500", "currency": "usd", "customer": customer, "capture_method": capture_method}
    pi_id = _post(base, lynk, "/v1/payment_intents", **created).json()["id"]
    key = str(uuid.uuid4())
    path = f"/v1/payment_intents/{pi_id}/confirm"
    _kill_between_the_phases(lynk, base, path, key, {"payment_method": card})

    restarted = lynk.start(None, "--no-worker")  # no recovery job: the retry resolves the attempt
    retried = _post(restarted, lynk, path, key, payment_method=card)
    assert retried.status_code == 200, retried.text
    expected = "succeeded" if capture_method == "automatic" else "requires_capture"
    assert retried.json()["status"] == expected
    assert _post(restarted, lynk, path, key, payment_method=card).headers.get("Idempotent-Replayed") == "true"
    if capture_method == "manual":
        captured = _post(restarted, lynk, f"/v1/payment_intents/{pi_id}/capture", str(uuid.uuid4()))
        assert captured.json()["status"] == "succeeded", captured.text
    _one_charge_and_balanced_books(lynk, pi_id, 2500)


@pytest.mark.parametrize("capture_method", ["automatic", "manual"])
def test_the_recovery_job_resolves_a_create_and_confirm_killed_between_the_phases(
    lynk: Served, capture_method: str
) -> None:
    base = lynk.start(**SLOW)
    customer, card = _saved_card(base, lynk)
    data = {
        "amount": "4000",
        "currency": "usd",
        "customer": customer,
        "payment_method": card,
        "confirm": "true",
        "capture_method": capture_method,
    }
    pi_id = _kill_between_the_phases(lynk, base, "/v1/payment_intents", str(uuid.uuid4()), data)

    restarted = lynk.start()  # its upkeep sees the attempt's process gone and asks the processor
    expected = "succeeded" if capture_method == "automatic" else "requires_capture"
    status = f"SELECT status FROM payment_intents WHERE id = '{pi_id}'"
    wait_for(lambda: lynk.query(status) == [(expected,)], 120, "the recovery job to resolve the attempt")
    _one_charge_and_balanced_books(lynk, pi_id, 4000 if capture_method == "automatic" else 0)
    events = "SELECT type FROM events WHERE type LIKE 'payment_intent.%' ORDER BY created, pk"
    done = "payment_intent.succeeded" if capture_method == "automatic" else "payment_intent.amount_capturable_updated"
    assert lynk.query(events) == [("payment_intent.created",), (done,)]
    assert _post(restarted, lynk, f"/v1/payment_intents/{pi_id}/confirm").status_code == 400  # settled: by state


def test_a_capture_killed_between_the_phases_is_resolved_by_its_retry(lynk: Served) -> None:
    base = lynk.start()
    customer, card = _saved_card(base, lynk)
    data = {"amount": "3000", "currency": "usd", "customer": customer, "payment_method": card}
    held = _post(base, lynk, "/v1/payment_intents", **data, confirm="true", capture_method="manual").json()
    assert held["status"] == "requires_capture"
    lynk.kill(base)

    slow = lynk.start(**SLOW)
    key, path = str(uuid.uuid4()), f"/v1/payment_intents/{held['id']}/capture"
    _kill_between_the_phases(lynk, slow, path, key, {"amount_to_capture": "2000"}, operation="capture")

    restarted = lynk.start(None, "--no-worker")  # no recovery job: the retry resolves the capture
    retried = _post(restarted, lynk, path, key, amount_to_capture="2000")
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["amount_received"]) == ("succeeded", 2000)
    assert lynk.simulator_query("SELECT state, captured FROM simulator_payments") == [("captured", 2000)]
    _one_charge_and_balanced_books(lynk, held["id"], 2000)
