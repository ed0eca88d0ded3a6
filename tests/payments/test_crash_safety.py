"""A processor that acts but whose answer is lost, or a process that dies right after the
processor acted: the retry ends with exactly one authorization, one charge and balanced books."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
import stripe

from lynk.api import maintenance
from lynk.connectors import ScriptedConnector, Simulator
from lynk.ledger import invariants
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


@pytest.fixture
def scripted(server: LynkServer) -> Iterator[tuple[ScriptedConnector, Simulator]]:
    simulator = server.runtime.connector
    assert isinstance(simulator, Simulator)
    scripted = ScriptedConnector(simulator)
    server.runtime.connector = scripted
    try:
        yield scripted, simulator
    finally:
        server.runtime.connector = simulator


def _post(server: LynkServer, merchant: MerchantKeys, path: str, key: str, **data: str) -> httpx.Response:
    auth, headers = (merchant.secret_key, ""), {"Idempotency-Key": key}
    return httpx.post(f"{server.base_url}{path}", data=data, auth=auth, headers=headers, timeout=30)


def _confirm(server: LynkServer, merchant: MerchantKeys, pi_id: str, key: str, payment_method: str) -> httpx.Response:
    return _post(server, merchant, f"/v1/payment_intents/{pi_id}/confirm", key, payment_method=payment_method)


@pytest.mark.parametrize("mode", ["timeout_after", "crash_after"])
def test_retry_after_the_processor_acted_authorizes_once(
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    scripted: tuple[ScriptedConnector, Simulator],
    mode: str,
) -> None:
    connector, simulator = scripted
    pi = client.v1.payment_intents.create(params={"amount": 4_200, "currency": "usd"})
    card = client.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_visa"}}).id
    before = simulator.authorizations
    connector.fail_next("authorize", mode=mode)  # type: ignore[arg-type]
    key = str(uuid.uuid4())

    try:
        lost = _confirm(server, merchant, pi.id, key, card)
    except httpx.HTTPError:
        lost = None  # a crashed process may drop the connection
    if lost is not None:
        assert lost.status_code in (500, 503)
        if mode == "timeout_after":
            assert lost.status_code == 503
            assert lost.json()["error"]["type"] == "api_error"
            assert lost.headers["Stripe-Should-Retry"] == "true"
    assert simulator.authorizations - before == 1  # the processor did authorize
    if mode == "crash_after":  # the attempt was committed before the call: the intent waits for its outcome
        assert client.v1.payment_intents.retrieve(pi.id).status == "processing"
        other = _confirm(server, merchant, pi.id, str(uuid.uuid4()), card)  # another request: refused by state
        assert other.status_code == 400
        assert other.json()["error"]["code"] == "payment_intent_unexpected_state"
    else:  # the processor did not answer: the intent is back where it was, the key kept for the retry
        assert client.v1.payment_intents.retrieve(pi.id).status == "requires_payment_method"

    retried = _confirm(server, merchant, pi.id, key, card)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "succeeded"
    assert simulator.authorizations - before == 1  # asked again with the same key: no second authorization
    assert len(client.v1.charges.list(params={"payment_intent": pi.id}).data) == 1
    assert server.write(invariants.verify) == []


def test_timeout_before_the_processor_acted_is_retried_cleanly(
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    scripted: tuple[ScriptedConnector, Simulator],
) -> None:
    connector, simulator = scripted
    pi = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "usd"})
    before = simulator.authorizations
    connector.fail_next("authorize", mode="timeout_before")
    key = str(uuid.uuid4())
    assert _confirm(server, merchant, pi.id, key, "pm_card_visa").status_code == 503
    assert simulator.authorizations == before
    assert _confirm(server, merchant, pi.id, key, "pm_card_visa").json()["status"] == "succeeded"
    assert simulator.authorizations - before == 1


def test_retry_with_another_card_releases_the_lost_authorization(
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    scripted: tuple[ScriptedConnector, Simulator],
) -> None:
    """`pm_card_visa` makes a new card each time: the lost attempt's payment is given back, not leaked."""
    connector, simulator = scripted
    pi = client.v1.payment_intents.create(params={"amount": 2_500, "currency": "usd"})
    connector.fail_next("authorize", mode="timeout_after")
    key = str(uuid.uuid4())
    assert _confirm(server, merchant, pi.id, key, "pm_card_visa").status_code == 503
    lost_key = f"{pi.id}:authorize:1"
    retried = _confirm(server, merchant, pi.id, key, "pm_card_visa")
    assert retried.json()["status"] == "succeeded"
    assert len(client.v1.charges.list(params={"payment_intent": pi.id}).data) == 1
    released = server.call(lambda: simulator.status(f"{lost_key}:refund"))  # it was captured: refunded
    assert released is not None and released.succeeded


def _refund(server: LynkServer, merchant: MerchantKeys, key: str, **data: str) -> httpx.Response | None:
    try:
        return _post(server, merchant, "/v1/refunds", key, **data)
    except httpx.HTTPError:
        return None  # a crashed process may drop the connection


@pytest.mark.parametrize("mode", ["timeout_after", "crash_after"])
def test_a_refund_whose_answer_is_lost_is_refunded_once_by_its_retry(
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    scripted: tuple[ScriptedConnector, Simulator],
    mode: str,
) -> None:
    connector, simulator = scripted
    paid = {"amount": 5_000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    pi = client.v1.payment_intents.create(params=paid)  # type: ignore[arg-type]
    before = simulator.refunds
    connector.fail_next("refund", mode=mode)  # type: ignore[arg-type]
    key = str(uuid.uuid4())

    lost = _refund(server, merchant, key, payment_intent=pi.id, amount="2000")
    assert lost is None or lost.status_code in (500, 503)
    assert simulator.refunds - before == 1  # the processor did refund
    if mode == "crash_after":  # the attempt was committed before the call: it holds its amount back
        too_much = _refund(server, merchant, str(uuid.uuid4()), payment_intent=pi.id, amount="3500")
        assert too_much is not None and too_much.status_code == 400, too_much and too_much.text
        assert too_much.json()["error"]["code"] == "amount_too_large"
    assert client.v1.refunds.list(params={"payment_intent": pi.id}).data == []

    retried = _refund(server, merchant, key, payment_intent=pi.id, amount="2000")
    assert retried is not None and retried.status_code == 200, retried and retried.text
    assert (retried.json()["status"], retried.json()["amount"]) == ("succeeded", 2000)
    assert simulator.refunds - before == 1  # asked again with the same key: no second refund
    assert [r.id for r in client.v1.refunds.list(params={"payment_intent": pi.id}).data] == [retried.json()["id"]]
    assert client.v1.charges.retrieve(pi.latest_charge).amount_refunded == 2000  # type: ignore[arg-type]
    assert server.write(invariants.verify) == []


def test_a_cancel_whose_void_got_no_answer_leaves_the_authorization_for_its_retry(
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    scripted: tuple[ScriptedConnector, Simulator],
) -> None:
    connector, _simulator = scripted
    held = {"amount": 1_500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    pi = client.v1.payment_intents.create(params={**held, "capture_method": "manual"})  # type: ignore[arg-type]
    connector.fail_next("void", mode="timeout_before")
    key = str(uuid.uuid4())
    path = f"/v1/payment_intents/{pi.id}/cancel"
    assert _post(server, merchant, path, key).status_code == 503
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_capture"  # back where it was
    retried = _post(server, merchant, path, key)
    assert retried.json()["status"] == "canceled", retried.text


def test_an_expiry_whose_void_gets_no_answer_is_left_for_the_next_pass(
    server: LynkServer, client: stripe.StripeClient, scripted: tuple[ScriptedConnector, Simulator]
) -> None:
    connector, _simulator = scripted
    held = {"amount": 1_700, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    ids = [client.v1.payment_intents.create(params={**held, "capture_method": "manual"}).id for _ in range(2)]  # type: ignore[arg-type]
    server.clock.advance(8 * 24 * 3600)
    connector.fail_next("void", mode="timeout_before", times=1000)  # every void of this pass: the processor is down
    server.call(lambda: maintenance.run_once(server.runtime))  # the pass goes on past them, and ends
    assert [client.v1.payment_intents.retrieve(i).status for i in ids] == ["requires_capture"] * 2
    connector.clear()
    server.call(lambda: maintenance.run_once(server.runtime))
    expired = [client.v1.payment_intents.retrieve(i) for i in ids]
    assert [(pi.status, pi.cancellation_reason) for pi in expired] == [("canceled", "automatic")] * 2
