"""Atomic phases (issue 13, item 3) for a SetupIntent's verification and for a payment started from Lynk's own
hosted Checkout page: the attempt is committed before the processor is called and nothing is held while it
answers (`LYNK_SIMULATOR_LATENCY_MS`). A SetupIntent confirm killed with SIGKILL between the phases is
resolved exactly once, by its retry with the same Idempotency-Key or by the recovery job of a restarted
server."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import DBAPIError

from tests.checkout.factories import Shopper
from tests.payments.served import Served, served
from tests.payments.served import post as _post
from tests.servers import backends
from tests.webhooks.support import wait_for

SLOW = {"LYNK_SIMULATOR_LATENCY_MS": "60000"}  # the processor's answer never comes before the kill
METRICS_TOKEN = "phases-metrics-token"


@pytest.fixture(params=backends())
def lynk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    with served(request.param, tmp_path) as running:
        yield running


def _verifications(lynk: Served) -> int:
    """How many times the processor verified a card (none while the simulator has not made its tables)."""
    try:
        return len(lynk.simulator_query("SELECT state FROM simulator_payments"))
    except DBAPIError:
        return 0


def _kill_a_setup_between_the_phases(lynk: Served, base: str, path: str, key: str, data: dict[str, str]) -> str:
    """Send the SetupIntent request, wait until the processor has verified the card and the SetupIntent is
    `processing` (committed), check another confirm is refused by state meanwhile, then kill the server."""

    def cut_off() -> None:
        with contextlib.suppress(httpx.HTTPError):  # cut off by the kill, as expected
            _post(base, lynk, path, key, **data)

    request = threading.Thread(target=cut_off)
    request.start()
    processing = "SELECT id FROM setup_intents WHERE status = 'processing'"
    wait_for(lambda: len(lynk.query(processing)) == 1, 120, "the verification to be committed")
    wait_for(lambda: _verifications(lynk) == 1, 120, "the processor to verify the card")
    [(si_id,)] = lynk.query(processing)
    other = _post(base, lynk, f"/v1/setup_intents/{si_id}/confirm")
    assert other.status_code == 400, other.text  # refused by state while the processor has the first
    assert other.json()["error"]["code"] == "setup_intent_unexpected_state"
    lynk.kill(base)
    request.join(timeout=60)
    assert lynk.query("SELECT status FROM connector_calls WHERE operation = 'verify'") == [("started",)]
    assert lynk.query("SELECT count(*) FROM setup_attempts") == [(0,)]  # made with the outcome
    return str(si_id)


def _set_up_once(lynk: Served, si_id: str) -> None:
    assert _verifications(lynk) == 1  # the processor verified once
    assert lynk.query("SELECT setup_intent_id, status FROM setup_attempts") == [(si_id, "succeeded")]
    assert lynk.query("SELECT status FROM connector_calls WHERE operation = 'verify'") != [("started",)]
    events = "SELECT type FROM events WHERE type LIKE 'setup_intent.%' ORDER BY created, pk"
    assert lynk.query(events) == [("setup_intent.created",), ("setup_intent.succeeded",)]
    assert lynk.query("SELECT count(*) FROM mandates") == [(1,)]  # usage=off_session: one consent recorded


def _customer_and_card(base: str, lynk: Served) -> tuple[str, str]:
    card = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034"}
    return _post(base, lynk, "/v1/customers").json()["id"], _post(base, lynk, "/v1/payment_methods", **card).json()[
        "id"
    ]


def test_a_setup_intent_confirm_killed_between_the_phases_is_resolved_by_its_retry(lynk: Served) -> None:
    base = lynk.start(**SLOW)
    customer, card = _customer_and_card(base, lynk)
    si_id = _post(base, lynk, "/v1/setup_intents", customer=customer).json()["id"]
    key, path = str(uuid.uuid4()), f"/v1/setup_intents/{si_id}/confirm"
    _kill_a_setup_between_the_phases(lynk, base, path, key, {"payment_method": card})

    restarted = lynk.start(None, "--no-worker")  # no recovery job: the retry resolves the verification
    retried = _post(restarted, lynk, path, key, payment_method=card)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["payment_method"]) == ("succeeded", card)
    assert _post(restarted, lynk, path, key, payment_method=card).headers.get("Idempotent-Replayed") == "true"
    _set_up_once(lynk, si_id)


def test_the_recovery_job_resolves_a_setup_intent_create_and_confirm_killed_between_the_phases(lynk: Served) -> None:
    base = lynk.start(**SLOW)
    customer, card = _customer_and_card(base, lynk)
    data = {"customer": customer, "payment_method": card, "confirm": "true"}
    key = str(uuid.uuid4())
    si_id = _kill_a_setup_between_the_phases(lynk, base, "/v1/setup_intents", key, data)

    restarted = lynk.start()  # its upkeep sees the verification's process gone and asks the processor
    status = f"SELECT status FROM setup_intents WHERE id = '{si_id}'"
    wait_for(lambda: lynk.query(status) == [("succeeded",)], 120, "the recovery job to resolve the verification")
    _set_up_once(lynk, si_id)
    retried = _post(restarted, lynk, "/v1/setup_intents", key, **data)  # the request's own retry: the same one
    assert retried.status_code == 200, retried.text
    assert (retried.json()["id"], retried.json()["status"]) == (si_id, "succeeded")
    assert lynk.query("SELECT count(*) FROM setup_intents") == [(1,)]
    _set_up_once(lynk, si_id)


def _connections_in_use(base: str) -> float:
    answer = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30)
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "lynk_db_pool_connections_in_use":
                return sample.value
    raise AssertionError("no lynk_db_pool_connections_in_use in /metrics")


def test_a_hosted_checkout_payment_holds_no_connection_while_the_processor_answers(lynk: Served) -> None:
    latency_s = 20
    # No background jobs: the only database work is the payment's.
    base = lynk.start(
        None, "--no-worker", LYNK_SIMULATOR_LATENCY_MS=str(latency_s * 1000), LYNK_METRICS_TOKEN=METRICS_TOKEN
    )
    line = {"price_data": {"currency": "usd", "unit_amount": "2000", "product_data": {"name": "Lamp"}}, "quantity": "1"}
    session = _post(
        base,
        lynk,
        "/v1/checkout/sessions",
        mode="payment",
        success_url="https://shop.example/done",
        **_flat(line, "line_items[0]"),
    ).json()
    shopper = Shopper(base, timeout=latency_s * 3)
    assert shopper.open(f"/c/pay/{session['id']}").status_code == 200
    answers: list[httpx.Response] = []
    began = time.monotonic()
    paying = threading.Thread(target=lambda: answers.append(shopper.pay(session["id"])))
    paying.start()

    processing = "SELECT id FROM payment_intents WHERE status = 'processing'"
    wait_for(lambda: len(lynk.query(processing)) == 1, latency_s / 2, "the attempt to be committed before the call")
    wait_for(lambda: _connections_in_use(base) == 0, latency_s / 2, "no pooled connection held during the call")
    [(pi_id,)] = lynk.query(processing)
    other = _post(base, lynk, f"/v1/payment_intents/{pi_id}/confirm", payment_method="pm_card_visa")
    assert other.status_code == 400, other.text  # refused by state at once: no lock is held over the network
    assert other.json()["error"]["payment_intent"]["status"] == "processing"
    assert paying.is_alive() and time.monotonic() - began < latency_s  # all of that while the processor had it

    paying.join(timeout=latency_s * 3)
    assert answers and answers[0].status_code == 200, answers and answers[0].text
    assert answers[0].json()["outcome"] == "succeeded"
    assert lynk.query(f"SELECT status FROM payment_intents WHERE id = '{pi_id}'") == [("succeeded",)]
    assert lynk.query("SELECT status FROM checkout_sessions") == [("complete",)]
    assert lynk.query("SELECT count(*) FROM charges") == [(1,)]


def _flat(value: dict[str, object], prefix: str = "") -> dict[str, str]:
    """A nested form field as Stripe's bracketed names."""
    flat: dict[str, str] = {}
    for key, item in value.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(item, dict):
            flat.update(_flat(item, name))
        else:
            flat[name] = str(item)
    return flat
