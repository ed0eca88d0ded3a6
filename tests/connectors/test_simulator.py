"""The simulator answers as Stripe's test mode does, and every call is idempotent."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from lynk.connectors import (
    NOT_INCREMENTABLE,
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
    CardRef,
    Connector,
    IdempotencyKeyReused,
    IncrementRequest,
    OperationStatus,
    RefundRequest,
    Simulator,
    VoidRequest,
)
from lynk.core.clock import ManualClock
from tests.connectors.support import ALL_TEST_CARDS, auth_request, card

OK = {"status": "authorized", "code": None, "decline_code": None, "network_status": "approved_by_network"}
CHALLENGE = {"status": "authentication_required", "code": None, "network_status": "not_sent_to_network"}
SOFT_DECLINE = {
    "status": "authentication_required",
    "code": "authentication_required",
    "decline_code": "authentication_required",
}
OFF = {"off_session": True, "cvc_provided": False}


def declined(code: str, decline_code: str) -> dict[str, Any]:
    return {"status": "declined", "code": code, "decline_code": decline_code, "network_status": "declined_by_network"}


CASES = [
    # Brands, fraud (risk is another stage), disputes (the charge itself succeeds) and unknown cards.
    *[pytest.param(n, {}, {**OK, "cvc_check": "pass"}, id=f"succeeds-{n}") for n in ALL_TEST_CARDS[:11]],
    *[pytest.param(n, {}, OK, id=f"risk-is-not-ours-{n}") for n in ("4100000000000019", "4000000000004954")],
    *[pytest.param(n, {}, OK, id=f"succeeds-{n}") for n in ("4000000000009235", "4000000000000259")],
    pytest.param("4111111111111111", {}, OK, id="unknown-card"),
    pytest.param("4242424242424242", {"capture": True}, {**OK, "status": "captured"}, id="automatic-capture"),
    pytest.param("4242424242424242", {"cvc_provided": False}, {**OK, "cvc_check": None}, id="no-cvc-no-check"),
    # Declines.
    pytest.param("4000000000000002", {}, declined("card_declined", "generic_decline"), id="generic"),
    pytest.param("4000000000009995", {}, declined("card_declined", "insufficient_funds"), id="insufficient"),
    pytest.param("4000000000009987", {}, declined("card_declined", "lost_card"), id="lost"),
    pytest.param("4000000000009979", {}, declined("card_declined", "stolen_card"), id="stolen"),
    pytest.param("4000000000000069", {}, declined("expired_card", "expired_card"), id="expired"),
    pytest.param("4000000000000127", {}, declined("incorrect_cvc", "incorrect_cvc"), id="incorrect-cvc"),
    pytest.param(
        "4000000000000119",
        {},
        {"status": "error", "code": "processing_error", "network_status": "not_sent_to_network"},
        id="processing-error",
    ),
    pytest.param("4242424242424241", {}, declined("incorrect_number", "incorrect_number"), id="incorrect-number"),
    pytest.param("4000000000006975", {}, declined("card_declined", "card_velocity_exceeded"), id="velocity"),
    pytest.param("4000000000000341", {}, declined("card_declined", "generic_decline"), id="0341-charge"),
    pytest.param("4000000000000341", {"amount": 0, "setup_for_future": True}, OK, id="0341-setup-succeeds"),
    pytest.param(
        "4000000000000101", {}, {**declined("incorrect_cvc", "incorrect_cvc"), "cvc_check": "fail"}, id="0101-cvc"
    ),
    pytest.param("4000000000000101", {"cvc_provided": False}, {**OK, "cvc_check": None}, id="0101-no-cvc"),
    pytest.param("4000000000000036", {"postal_code": "94103"}, {**OK, "postal_code_check": "fail"}, id="0036-zip"),
    pytest.param("4000000000000036", {}, {**OK, "postal_code_check": None}, id="0036-no-zip"),
    pytest.param("4242424242424242", {"postal_code": "94103"}, {**OK, "postal_code_check": "pass"}, id="zip-pass"),
    # 3-D Secure.
    pytest.param("4000002500003155", {}, CHALLENGE, id="3155-on-session"),
    pytest.param("4000002500003155", {"previously_setup": True}, CHALLENGE, id="3155-on-session-after-setup"),
    pytest.param("4000002500003155", {"authenticated": True}, OK, id="3155-authenticated"),
    pytest.param("4000002500003155", {"setup_for_future": True, "authenticated": True}, OK, id="3155-setup"),
    pytest.param("4000002500003155", OFF, SOFT_DECLINE, id="3155-off-session-not-set-up"),
    pytest.param("4000002500003155", {**OFF, "previously_setup": True}, OK, id="3155-off-session-set-up"),
    pytest.param("4000002760003184", {}, CHALLENGE, id="3184-on-session"),
    pytest.param("4000002760003184", {"authenticated": True}, OK, id="3184-authenticated"),
    pytest.param("4000002760003184", {**OFF, "previously_setup": True}, SOFT_DECLINE, id="3184-off-session"),
    pytest.param("4000000000003220", {}, CHALLENGE, id="3220-on-session"),
    pytest.param("4000000000003220", {"authenticated": True}, OK, id="3220-authenticated"),
    pytest.param("4000000000003220", {**OFF, "previously_setup": True}, SOFT_DECLINE, id="3220-off-session"),
    pytest.param("4000003800000446", {"setup_for_future": True}, CHALLENGE, id="0446-setup"),
    pytest.param("4000003800000446", {"setup_for_future": True, "authenticated": True}, OK, id="0446-setup-done"),
    pytest.param("4000003800000446", {**OFF, "previously_setup": True}, OK, id="0446-off-session"),
    pytest.param("4000008400001629", {}, CHALLENGE, id="1629-challenge"),
    pytest.param(
        "4000008400001629", {"authenticated": True}, declined("card_declined", "generic_decline"), id="1629-then"
    ),
    pytest.param("4000008400001629", OFF, SOFT_DECLINE, id="1629-off-session"),
    pytest.param("4000008260003178", {}, CHALLENGE, id="3178-challenge"),
    pytest.param(
        "4000008260003178", {"authenticated": True}, declined("card_declined", "insufficient_funds"), id="3178-then"
    ),
    pytest.param("4000000000003055", {}, OK, id="3055-frictionless"),
]


@pytest.mark.parametrize(("number", "options", "expected"), CASES)
def test_test_cards(number: str, options: dict[str, Any], expected: dict[str, Any]) -> None:
    result = asyncio.run(Simulator().authorize(auth_request(number, **options)))
    assert {field: getattr(result, field) for field in expected} == expected
    assert result.reference.startswith("sim_")
    assert result.message


def test_bin_and_last4_identify_every_test_card() -> None:
    refs = {(card(number).bin, card(number).last4) for number in ALL_TEST_CARDS}
    assert len(refs) == len(ALL_TEST_CARDS) == 38


def test_checks_are_reported_only_when_the_card_reached_the_network() -> None:
    result = asyncio.run(Simulator().authorize(auth_request("4000000000000002", postal_code="94103")))
    assert (result.cvc_check, result.postal_code_check) == ("pass", "pass")
    result = asyncio.run(Simulator().authorize(auth_request("4000000000000119", postal_code="94103")))
    assert (result.cvc_check, result.postal_code_check) == (None, None)


def test_a_card_past_its_expiry_month_is_declined() -> None:
    async def at(moment: datetime) -> AuthorizeResult:
        simulator = Simulator(clock=ManualClock(moment.timestamp()))
        return await simulator.authorize(
            replace(auth_request(), card=card("4242424242424242", exp_month=1, exp_year=2030))
        )

    assert asyncio.run(at(datetime(2030, 1, 31, 23, tzinfo=UTC))).status == AuthorizeStatus.AUTHORIZED
    late = asyncio.run(at(datetime(2030, 2, 1, tzinfo=UTC)))
    assert (late.status, late.code, late.decline_code) == ("declined", "expired_card", "expired_card")


def test_same_key_replays_the_same_result_without_a_second_authorization() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        first = await simulator.authorize(auth_request(key="k"))
        again = await simulator.authorize(auth_request(key="k"))
        assert again == first
        assert (simulator.attempts, simulator.authorizations) == (1, 1)
        other = await simulator.authorize(auth_request(key="k2"))
        assert other.reference != first.reference
        assert simulator.authorizations == 2

    asyncio.run(scenario())


def test_a_declined_attempt_is_replayed_too() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        first = await simulator.authorize(auth_request("4000000000000002", key="k"))
        assert await simulator.authorize(auth_request("4000000000000002", key="k")) == first
        assert (simulator.attempts, simulator.authorizations) == (1, 0)

    asyncio.run(scenario())


def test_same_key_with_other_parameters_is_refused() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        await simulator.authorize(auth_request(key="k"))
        with pytest.raises(IdempotencyKeyReused):
            await simulator.authorize(auth_request(key="k", amount=999))
        with pytest.raises(IdempotencyKeyReused):
            await simulator.refund(RefundRequest("k", "sim_x", 100))
        assert simulator.authorizations == 1

    asyncio.run(scenario())


@pytest.mark.parametrize("latency_s", [0.0, 0.01])
def test_fifty_concurrent_calls_with_one_key_authorize_once(latency_s: float) -> None:
    async def scenario() -> None:
        simulator = Simulator(latency_s=latency_s)
        results = await asyncio.gather(*(simulator.authorize(auth_request(key="same")) for _ in range(50)))
        assert simulator.authorizations == 1
        assert simulator.attempts == 1
        assert {result.reference for result in results} == {results[0].reference}

    asyncio.run(scenario())


def test_calls_with_different_keys_overlap() -> None:
    async def scenario() -> float:
        simulator = Simulator(latency_s=0.05)
        started = time.perf_counter()
        await asyncio.gather(*(simulator.authorize(auth_request(key=f"k{i}")) for i in range(20)))
        assert simulator.authorizations == 20
        return time.perf_counter() - started

    assert asyncio.run(scenario()) < 0.5  # 20 one-after-another calls would take 1 s


def test_capture_in_full_then_a_second_capture_fails() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        auth = await simulator.authorize(auth_request())
        assert auth.status == AuthorizeStatus.AUTHORIZED
        captured = await simulator.capture(CaptureRequest("cap1", auth.reference, 2000))
        assert captured.status == OperationStatus.SUCCEEDED
        assert captured.reference == auth.reference
        assert await simulator.capture(CaptureRequest("cap1", auth.reference, 2000)) == captured  # replay
        assert simulator.captures == 1
        again = await simulator.capture(CaptureRequest("cap2", auth.reference, 2000))
        assert (again.status, again.code) == ("failed", "charge_already_captured")
        assert simulator.captures == 1

    asyncio.run(scenario())


def test_partial_capture_and_over_capture() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        auth = await simulator.authorize(auth_request())
        too_much = await simulator.capture(CaptureRequest("cap0", auth.reference, 2001))
        assert (too_much.status, too_much.code) == ("failed", "amount_too_large")
        assert (await simulator.capture(CaptureRequest("cap1", auth.reference, 1500))).succeeded
        over = await simulator.refund(RefundRequest("re1", auth.reference, 1501))
        assert (over.status, over.code) == ("failed", "amount_too_large")
        assert (await simulator.refund(RefundRequest("re2", auth.reference, 1500))).succeeded

    asyncio.run(scenario())


def test_void_releases_the_authorization() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        auth = await simulator.authorize(auth_request())
        assert (await simulator.void(VoidRequest("void1", auth.reference))).succeeded
        capture = await simulator.capture(CaptureRequest("cap1", auth.reference, 2000))
        assert (capture.status, capture.code) == ("failed", "charge_not_capturable")
        void = await simulator.void(VoidRequest("void2", auth.reference))
        assert void.status == OperationStatus.FAILED
        assert simulator.captures == 0

    asyncio.run(scenario())


def test_a_captured_payment_cannot_be_voided() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        auth = await simulator.authorize(auth_request(capture=True))
        assert simulator.captures == 1
        void = await simulator.void(VoidRequest("void1", auth.reference))
        assert (void.status, void.code) == ("failed", "charge_already_captured")

    asyncio.run(scenario())


def test_refunds_add_up_to_the_captured_amount() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        auth = await simulator.authorize(auth_request(capture=True))
        first = await simulator.refund(RefundRequest("re1", auth.reference, 500))
        assert first.succeeded
        assert first.reference not in (auth.reference, "")
        assert await simulator.refund(RefundRequest("re1", auth.reference, 500)) == first  # replay
        assert simulator.refunds == 1
        over = await simulator.refund(RefundRequest("re2", auth.reference, 1501))
        assert (over.status, over.code) == ("failed", "amount_too_large")
        assert (await simulator.refund(RefundRequest("re3", auth.reference, 1500))).succeeded
        done = await simulator.refund(RefundRequest("re4", auth.reference, 1))
        assert (done.status, done.code) == ("failed", "charge_already_refunded")
        assert simulator.refunds == 2

    asyncio.run(scenario())


def test_operations_on_payments_that_cannot_take_them() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        uncaptured = await simulator.authorize(auth_request(key="a1"))
        refund = await simulator.refund(RefundRequest("re1", uncaptured.reference, 100))
        assert (refund.status, refund.code) == ("failed", "charge_not_refundable")
        declined = await simulator.authorize(auth_request("4000000000000002", key="a2"))
        capture = await simulator.capture(CaptureRequest("cap1", declined.reference, 100))
        assert (capture.status, capture.code) == ("failed", "charge_not_capturable")
        missing = await simulator.capture(CaptureRequest("cap2", "sim_nope", 100))
        assert (missing.status, missing.code) == ("failed", "resource_missing")

    asyncio.run(scenario())


def test_status_tells_what_was_done_for_a_key() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        assert await simulator.status("never") is None
        auth = await simulator.authorize(auth_request(key="a1", capture=True))
        refund = await simulator.refund(RefundRequest("re1", auth.reference, 100))
        assert await simulator.status("a1") == auth
        assert await simulator.status("re1") == refund

    asyncio.run(scenario())


def test_requests_refuse_impossible_values() -> None:
    with pytest.raises(ValueError):
        auth_request(amount=-1)
    with pytest.raises(ValueError):
        auth_request(key="")
    with pytest.raises(ValueError):
        CaptureRequest("k", "sim_x", 0)
    with pytest.raises(ValueError):
        RefundRequest("k", "sim_x", -5)
    with pytest.raises(ValueError):  # a whole card number never fits where the BIN goes
        CardRef("card_1", "4242424242424242", "4242", "visa", 12, 2099)


def test_the_simulator_is_a_connector() -> None:
    connector: Connector = Simulator()
    assert asyncio.run(connector.status("nothing")) is None


def test_incremental_authorization_by_brand_and_issuer() -> None:
    """Visa, Mastercard and Discover authorizations asked as incrementable may be raised; an increment is
    replayed under its key, must grow the total, is declined above 999,999 and the capture takes the total."""
    asyncio.run(_increments())


async def _increments() -> None:
    sim = Simulator()
    asked = {"incremental_authorization": True}
    visa = await sim.authorize(auth_request(key="inc:visa", **asked))
    assert visa.incremental_authorization
    grown = await sim.increment_authorization(IncrementRequest("inc:visa:1", visa.reference, 3000))
    assert grown.status is OperationStatus.SUCCEEDED
    assert await sim.increment_authorization(IncrementRequest("inc:visa:1", visa.reference, 3000)) == grown
    same = await sim.increment_authorization(IncrementRequest("inc:visa:2", visa.reference, 3000))
    assert (same.status, same.code) == (OperationStatus.FAILED, "amount_too_small")
    declined = await sim.increment_authorization(IncrementRequest("inc:visa:3", visa.reference, 1_000_000))
    assert (declined.status, declined.code) == (OperationStatus.FAILED, "card_declined")
    assert (await sim.capture(CaptureRequest("inc:visa:c", visa.reference, 3000))).succeeded
    after = await sim.increment_authorization(IncrementRequest("inc:visa:4", visa.reference, 4000))
    assert after.code == "charge_already_captured"
    for number in ("5555555555554444", "6011111111111117"):
        assert (await sim.authorize(auth_request(number, key=f"inc:{number}", **asked))).incremental_authorization
    for key, number, options in (
        ("inc:amex", "378282246310005", asked),
        ("inc:plain", "4242424242424242", {}),
        ("inc:auto", "4242424242424242", {**asked, "capture": True}),
    ):
        result = await sim.authorize(auth_request(number, key=key, **options))
        assert result.succeeded and not result.incremental_authorization
        if result.status is AuthorizeStatus.AUTHORIZED:
            refused = await sim.increment_authorization(IncrementRequest(f"{key}:1", result.reference, 3000))
            assert refused.code == NOT_INCREMENTABLE
