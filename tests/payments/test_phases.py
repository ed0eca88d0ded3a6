"""Atomic phases (issue 13, item 3): `lynk serve` killed with SIGKILL while the processor has a card
authorization, capture, void or refund, i.e. after the attempt was committed and before its outcome was.
The processor acts, then takes a minute to answer (`LYNK_SIMULATOR_LATENCY_MS`), so the kill lands between
the phases. Meanwhile another confirm, capture or cancel is refused by the intent's state at once, and a
refund for more than what an in-flight refund leaves (no lock is held over the network, and on PostgreSQL
no session sits in a transaction). Afterwards the retry with the same Idempotency-Key, or the recovery job
of a restarted server, ends with exactly one authorization, capture, void or refund, one charge and a
balanced ledger."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.payments.phased import (
    SLOW,
    assert_books_balance,
    at_processor,
    no_transaction_left_open,
    prompt_post,
    saved_card,
    send_to_be_cut_off,
)
from tests.payments.served import Served, post, served
from tests.servers import backends
from tests.webhooks.support import wait_for


@pytest.fixture(params=backends())
def lynk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    with served(request.param, tmp_path) as running:
        yield running


# What the processor holds once it has acted on the operation (and before its answer is back).
ACTED = {
    "authorize": [["authorized"], ["captured"]],
    "capture": [["captured"]],
    "void": [["voided"]],
}


def _kill_between_the_phases(
    lynk: Served, base: str, path: str, key: str, data: dict[str, str], operation: str = "authorize"
) -> str:
    """Send the request, wait until the processor has acted and the intent is `processing`, then kill the
    server; returns the intent's id. Another request, sent while the processor has the first, is refused."""
    request = send_to_be_cut_off(base, lynk, path, key, data)
    processing = "SELECT id FROM payment_intents WHERE status = 'processing'"
    wait_for(lambda: len(lynk.query(processing)) == 1, 120, "the attempt to be committed")
    wait_for(lambda: at_processor(lynk) in ACTED[operation], 120, "the processor to act")
    [(pi_id,)] = lynk.query(processing)
    for other in ("confirm", "capture", "cancel"):  # refused by state at once while the processor has the first
        refused = prompt_post(base, lynk, f"/v1/payment_intents/{pi_id}/{other}")
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == "payment_intent_unexpected_state"
    wait_for(lambda: no_transaction_left_open(lynk), 15, "no transaction open across the processor call")
    lynk.kill(base)
    request.join(timeout=60)
    calls = f"SELECT status FROM connector_calls WHERE operation = '{operation}'"
    assert lynk.query(calls) == [("started",)]
    return str(pi_id)


def _one_charge_and_balanced_books(lynk: Served, pi_id: str, amount_captured: int) -> None:
    assert len(at_processor(lynk)) == 1  # the processor authorized once
    charges = lynk.query("SELECT payment_intent_id, amount_captured FROM charges")
    assert charges == [(pi_id, amount_captured)]
    assert lynk.query("SELECT status FROM connector_calls WHERE operation = 'authorize'") != [("started",)]
    assert_books_balance(lynk)


@pytest.mark.parametrize("capture_method", ["automatic", "manual"])
def test_a_confirm_killed_between_the_phases_is_resolved_by_its_retry(lynk: Served, capture_method: str) -> None:
    base = lynk.start(**SLOW)
    customer, card = saved_card(base, lynk)
    created = {"amount": "2500", "currency": "usd", "customer": customer, "capture_method": capture_method}
    pi_id = post(base, lynk, "/v1/payment_intents", **created).json()["id"]
    key = str(uuid.uuid4())
    path = f"/v1/payment_intents/{pi_id}/confirm"
    _kill_between_the_phases(lynk, base, path, key, {"payment_method": card})

    restarted = lynk.start(None, "--no-worker")  # no recovery job: the retry resolves the attempt
    retried = post(restarted, lynk, path, key, payment_method=card)
    assert retried.status_code == 200, retried.text
    expected = "succeeded" if capture_method == "automatic" else "requires_capture"
    assert retried.json()["status"] == expected
    assert post(restarted, lynk, path, key, payment_method=card).headers.get("Idempotent-Replayed") == "true"
    if capture_method == "manual":
        captured = post(restarted, lynk, f"/v1/payment_intents/{pi_id}/capture", str(uuid.uuid4()))
        assert captured.json()["status"] == "succeeded", captured.text
    _one_charge_and_balanced_books(lynk, pi_id, 2500)


@pytest.mark.parametrize("capture_method", ["automatic", "manual"])
def test_the_recovery_job_resolves_a_create_and_confirm_killed_between_the_phases(
    lynk: Served, capture_method: str
) -> None:
    base = lynk.start(**SLOW)
    customer, card = saved_card(base, lynk)
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
    assert post(restarted, lynk, f"/v1/payment_intents/{pi_id}/confirm").status_code == 400  # settled: by state


def test_a_capture_killed_between_the_phases_is_resolved_by_its_retry(lynk: Served) -> None:
    base = lynk.start()
    customer, card = saved_card(base, lynk)
    data = {"amount": "3000", "currency": "usd", "customer": customer, "payment_method": card}
    held = post(base, lynk, "/v1/payment_intents", **data, confirm="true", capture_method="manual").json()
    assert held["status"] == "requires_capture"
    lynk.kill(base)

    slow = lynk.start(**SLOW)
    key, path = str(uuid.uuid4()), f"/v1/payment_intents/{held['id']}/capture"
    _kill_between_the_phases(lynk, slow, path, key, {"amount_to_capture": "2000"}, operation="capture")

    restarted = lynk.start(None, "--no-worker")  # no recovery job: the retry resolves the capture
    retried = post(restarted, lynk, path, key, amount_to_capture="2000")
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["amount_received"]) == ("succeeded", 2000)
    assert lynk.simulator_query("SELECT state, captured FROM simulator_payments") == [("captured", 2000)]
    _one_charge_and_balanced_books(lynk, held["id"], 2000)


@pytest.mark.parametrize("resolver", ["retry", "recovery job"])
def test_a_cancel_killed_between_the_phases_voids_once(lynk: Served, resolver: str) -> None:
    base = lynk.start()
    customer, card = saved_card(base, lynk)
    data = {"amount": "1800", "currency": "usd", "customer": customer, "payment_method": card}
    held = post(base, lynk, "/v1/payment_intents", **data, confirm="true", capture_method="manual").json()
    lynk.kill(base)

    slow = lynk.start(**SLOW)
    key, path = str(uuid.uuid4()), f"/v1/payment_intents/{held['id']}/cancel"
    reason = {"cancellation_reason": "requested_by_customer"}
    _kill_between_the_phases(lynk, slow, path, key, reason, operation="void")

    if resolver == "retry":
        restarted = lynk.start(None, "--no-worker")  # no recovery job: the retry resolves the void
    else:
        restarted = lynk.start()  # its upkeep sees the attempt's process gone and asks the processor
        status = f"SELECT status FROM payment_intents WHERE id = '{held['id']}'"
        wait_for(lambda: lynk.query(status) == [("canceled",)], 120, "the recovery job to resolve the void")
    retried = post(restarted, lynk, path, key, **reason)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["cancellation_reason"]) == ("canceled", "requested_by_customer")
    assert at_processor(lynk) == ["voided"]
    assert lynk.query("SELECT status FROM connector_calls WHERE operation = 'void'") == [("succeeded",)]
    canceled = "SELECT count(*) FROM events WHERE type = 'payment_intent.canceled'"
    assert lynk.query(canceled) == [(1,)]
    assert_books_balance(lynk)


def _refunded_at_processor(lynk: Served) -> list[tuple[int]]:
    return [tuple(row) for row in lynk.simulator_query("SELECT refunded FROM simulator_payments")]


@pytest.mark.parametrize("resolver", ["retry", "recovery job"])
def test_a_refund_killed_between_the_phases_refunds_once(lynk: Served, resolver: str) -> None:
    base = lynk.start()
    customer, card = saved_card(base, lynk)
    data = {"amount": "3000", "currency": "usd", "customer": customer, "payment_method": card, "confirm": "true"}
    paid = post(base, lynk, "/v1/payment_intents", **data).json()
    assert paid["status"] == "succeeded"
    pi_id, charge_id = paid["id"], paid["latest_charge"]
    lynk.kill(base)

    slow = lynk.start(**SLOW)
    # Both ways to ask for a refund: the refunds API, and the charge's refunds.
    path, asked = (
        ("/v1/refunds", {"payment_intent": pi_id, "amount": "1200", "metadata[order]": "A-17"})
        if resolver == "retry"
        else (f"/v1/charges/{charge_id}/refunds", {"amount": "1200", "metadata[order]": "A-17"})
    )
    key = str(uuid.uuid4())
    request = send_to_be_cut_off(slow, lynk, path, key, asked)
    started = "SELECT status, amount FROM connector_calls WHERE operation = 'refund'"
    wait_for(lambda: lynk.query(started) == [("started", 1200)], 120, "the refund's attempt to be committed")
    wait_for(lambda: _refunded_at_processor(lynk) == [(1200,)], 120, "the processor to refund")

    too_much = prompt_post(slow, lynk, "/v1/refunds", payment_intent=pi_id, amount="2000")
    assert too_much.status_code == 400, too_much.text  # 1,200 of the 3,000 are held back by the attempt
    assert too_much.json()["error"]["code"] == "amount_too_large"
    canceled = prompt_post(slow, lynk, f"/v1/payment_intents/{pi_id}/cancel")
    assert canceled.status_code == 400, canceled.text
    assert canceled.json()["error"]["code"] == "payment_intent_unexpected_state"
    wait_for(lambda: no_transaction_left_open(lynk), 15, "no transaction open across the processor call")
    lynk.kill(slow)
    request.join(timeout=60)
    assert lynk.query(started) == [("started", 1200)]
    assert lynk.query("SELECT count(*) FROM refunds") == [(0,)]

    if resolver == "retry":
        restarted = lynk.start(None, "--no-worker")  # no recovery job: the retry resolves the refund
    else:
        restarted = lynk.start()  # its upkeep sees the attempt's process gone and asks the processor
        written = "SELECT count(*) FROM refunds"
        wait_for(lambda: lynk.query(written) == [(1,)], 120, "the recovery job to write the refund")
    retried = post(restarted, lynk, path, key, **asked)
    assert retried.status_code == 200, retried.text
    refund = retried.json()
    assert (refund["status"], refund["amount"], refund["metadata"]) == ("succeeded", 1200, {"order": "A-17"})
    replayed = post(restarted, lynk, path, key, **asked)
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert replayed.json()["id"] == refund["id"]

    assert _refunded_at_processor(lynk) == [(1200,)]  # refunded once at the processor
    assert lynk.query("SELECT id, amount, status FROM refunds") == [(refund["id"], 1200, "succeeded")]
    assert lynk.query("SELECT amount_refunded FROM charges") == [(1200,)]
    assert lynk.query("SELECT count(*) FROM events WHERE type = 'refund.created'") == [(1,)]
    rest = post(restarted, lynk, "/v1/refunds", str(uuid.uuid4()), payment_intent=pi_id)
    assert (rest.status_code, rest.json().get("amount")) == (200, 1800), rest.text  # the rest, no more
    assert _refunded_at_processor(lynk) == [(3000,)]
    assert_books_balance(lynk)
