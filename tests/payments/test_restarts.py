"""`lynk serve` as several processes and restarted ones on one database: the retry of a request cut off
by SIGKILL runs or replays at once (no 409 while a dead process's claim times out), and any process
captures and refunds a payment another one authorized."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stripe
from sqlalchemy.exc import DBAPIError

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


def _client(base: str, secret_key: str) -> stripe.StripeClient:
    return stripe.StripeClient(secret_key, base_addresses={"api": base}, max_network_retries=0)


def test_any_process_captures_and_refunds_what_another_authorized(lynk: Served) -> None:
    """The simulator's memory is in the database: a second process, and a restarted one, know every payment."""
    first = _client(lynk.start(), lynk.secret_key)
    second_base = lynk.start()
    second = _client(second_base, lynk.secret_key)
    card = {"amount": 3_000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    held = first.v1.payment_intents.create(params={**card, "capture_method": "manual"})
    paid = first.v1.payment_intents.create(params=card)
    assert (held.status, paid.status) == ("requires_capture", "succeeded")

    assert second.v1.payment_intents.capture(held.id).status == "succeeded"
    assert second.v1.refunds.create(params={"payment_intent": paid.id, "amount": 1_000}).status == "succeeded"

    lynk.kill(second_base)
    restarted = _client(lynk.start(), lynk.secret_key)
    assert restarted.v1.refunds.create(params={"payment_intent": held.id}).status == "succeeded"
    assert restarted.v1.refunds.create(params={"payment_intent": paid.id}).amount == 2_000
    assert [c.amount_refunded for c in restarted.v1.charges.list().data] == [3_000, 3_000]


def test_create_and_confirm_killed_after_the_processor_answered_authorizes_the_card_once(lynk: Served) -> None:
    """The intent and its attempt were committed before the call; the processor's key comes from the
    Idempotency-Key, so the retry finds them and asks the processor what it did for that key."""
    base = lynk.start(LYNK_SIMULATOR_LATENCY_MS="60000")  # the processor acts, then its answer is slow to come
    card = _client(base, lynk.secret_key).v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034}}
    )
    vault_card = lynk.query("SELECT vault_card_id FROM payment_methods WHERE id = :id", id=card.id)[0][0]
    authorizations = "SELECT count(*) FROM simulator_payments WHERE card = :card AND state != 'declined'"
    key = str(uuid.uuid4())
    request = threading.Thread(target=lambda: _answered_or_cut(base, lynk.secret_key, key, card.id))
    request.start()
    wait_for(lambda: _count(lynk, authorizations, card=vault_card) == 1, 120, "the authorization")
    lynk.kill(base)
    request.join(timeout=60)
    # Lynk committed the intent with its attempt before calling the processor: the retry goes on with them.
    assert lynk.query("SELECT status FROM payment_intents") == [("processing",)]
    assert lynk.query("SELECT status FROM connector_calls WHERE operation = 'authorize'") == [("started",)]

    retried = _pay(lynk.start(), lynk.secret_key, key, payment_method=card.id)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "succeeded"
    assert lynk.simulator_query(authorizations, card=vault_card) == [(1,)]  # one authorization, not two
    assert lynk.query("SELECT count(*) FROM charges") == [(1,)]
    assert lynk.query("SELECT count(*) FROM payment_intents") == [(1,)]


def _answered_or_cut(base: str, secret_key: str, key: str, payment_method: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # cut off by the kill, as expected
        _pay(base, secret_key, key, payment_method=payment_method)


def _count(lynk: Served, sql: str, **params: str) -> int:
    """A count on the simulator's tables, 0 while the simulator has not made them yet."""
    try:
        return int(lynk.simulator_query(sql, **params)[0][0])
    except DBAPIError:
        return 0
