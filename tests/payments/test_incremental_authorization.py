"""Incremental authorization through the official SDK: `request_incremental_authorization` at confirm,
the charge's `incremental_authorization.status`, `increment_authorization` and its refusals, then the
capture of the incremented amount and its ledger entry."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import stripe

from lynk.connectors import ScriptedConnector, Simulator
from lynk.ledger import invariants
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

REQUEST = {"card": {"request_incremental_authorization": "if_available"}}


def _authorized(client: stripe.StripeClient, method: str = "pm_card_visa", **params: Any) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={  # type: ignore[typeddict-item]
            "amount": 2000,
            "currency": "usd",
            "capture_method": "manual",
            "payment_method": method,
            "confirm": True,
            **params,
        }
    )


def _status(client: stripe.StripeClient, pi: stripe.PaymentIntent) -> str:
    charge = client.v1.charges.retrieve(str(pi.latest_charge))
    return str(charge.payment_method_details.card.incremental_authorization.status)  # type: ignore[union-attr]


def _increment(client: stripe.StripeClient, pi_id: str, **params: Any) -> stripe.PaymentIntent:
    return client.v1.payment_intents.increment_authorization(pi_id, params=params)  # type: ignore[arg-type]


def test_increment_then_capture_the_new_total(client: stripe.StripeClient) -> None:
    pi = _authorized(client, payment_method_options=REQUEST)
    assert pi.status == "requires_capture"
    assert pi.payment_method_options.card.request_incremental_authorization == "if_available"  # type: ignore[union-attr]
    assert _status(client, pi) == "available"

    params: Any = {"amount": 3500, "description": "Room service", "metadata": {"folio": "42"}}
    grown = client.v1.payment_intents.increment_authorization(pi.id, params=params, options={"idempotency_key": "i1"})
    assert (grown.amount, grown.amount_capturable, grown.status) == (3500, 3500, "requires_capture")
    assert grown.description == "Room service" and grown.metadata["folio"] == "42"
    charge = client.v1.charges.retrieve(str(pi.latest_charge))
    assert (charge.amount, charge.amount_captured, charge.captured) == (3500, 0, False)
    # The same Idempotency-Key answers the same response and increments nothing more.
    again = client.v1.payment_intents.increment_authorization(pi.id, params=params, options={"idempotency_key": "i1"})
    assert again.amount == 3500
    assert _increment(client, pi.id, amount=4000).amount == 4000  # several increments
    updates = client.v1.events.list(params={"type": "payment_intent.amount_capturable_updated"}).data
    assert [e.data.object["amount_capturable"] for e in updates] == [4000, 3500, 2000]
    assert client.v1.balance_transactions.list().data == []  # an authorization is not booked

    captured = client.v1.payment_intents.capture(pi.id)
    assert (captured.status, captured.amount_received) == ("succeeded", 4000)
    charge = client.v1.charges.retrieve(str(pi.latest_charge), params={"expand": ["balance_transaction"]})
    assert (charge.amount, charge.amount_captured) == (4000, 4000)
    assert charge.balance_transaction.amount == 4000  # type: ignore[union-attr]
    with pytest.raises(stripe.InvalidRequestError) as after:  # captured: no longer incrementable
        _increment(client, pi.id, amount=5000)
    assert after.value.code == "payment_intent_unexpected_state"


def test_not_requested_is_unavailable(client: stripe.StripeClient) -> None:
    pi = _authorized(client)
    assert _status(client, pi) == "unavailable"
    with pytest.raises(stripe.InvalidRequestError) as error:
        _increment(client, pi.id, amount=3000)
    assert error.value.code == "incremental_authorization_not_available"
    assert error.value.http_status == 400
    assert client.v1.payment_intents.retrieve(pi.id).amount == 2000


def test_a_card_that_does_not_support_it(client: stripe.StripeClient) -> None:
    pi = _authorized(client, "pm_card_amex", payment_method_options=REQUEST)
    assert pi.status == "requires_capture"
    assert _status(client, pi) == "unavailable"
    with pytest.raises(stripe.InvalidRequestError) as error:
        _increment(client, pi.id, amount=3000)
    assert error.value.code == "incremental_authorization_not_available"


def test_amount_must_grow_and_status_must_be_requires_capture(client: stripe.StripeClient) -> None:
    pi = _authorized(client, payment_method_options=REQUEST)
    for amount in (2000, 1500):
        with pytest.raises(stripe.InvalidRequestError) as small:
            _increment(client, pi.id, amount=amount)
        assert (small.value.param, small.value.code) == ("amount", "amount_too_small")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        _increment(client, pi.id, amount=3000, application_fee_amount=100)
    assert unknown.value.param == "application_fee_amount"
    automatic = _authorized(client, capture_method="automatic", payment_method_options=REQUEST)
    assert _status(client, automatic) == "unavailable"
    with pytest.raises(stripe.InvalidRequestError) as state:
        _increment(client, automatic.id, amount=3000)
    assert state.value.code == "payment_intent_unexpected_state"
    fresh = client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as unconfirmed:
        _increment(client, fresh.id, amount=3000)
    assert unconfirmed.value.code == "payment_intent_unexpected_state"


def test_a_declined_increment_leaves_the_intent_as_it_was(client: stripe.StripeClient) -> None:
    pi = _authorized(client, payment_method_options=REQUEST)
    with pytest.raises(stripe.CardError) as declined:  # the simulator's issuer declines totals above 999,999
        _increment(client, pi.id, amount=1_000_000)
    assert declined.value.code == "card_declined"
    after = client.v1.payment_intents.retrieve(pi.id)
    assert (after.status, after.amount, after.amount_capturable) == ("requires_capture", 2000, 2000)
    assert client.v1.charges.retrieve(str(pi.latest_charge)).amount == 2000
    assert _increment(client, pi.id, amount=2500).amount == 2500  # still incrementable
    assert client.v1.payment_intents.capture(pi.id).amount_received == 2500


def test_at_most_ten_attempts_declines_included(client: stripe.StripeClient) -> None:
    pi = _authorized(client, payment_method_options=REQUEST)
    for attempt in range(10):
        if attempt % 3 == 0:  # four declines among the ten
            with pytest.raises(stripe.CardError):
                _increment(client, pi.id, amount=1_000_000 + attempt)
        else:
            assert _increment(client, pi.id, amount=2000 + 100 * attempt).amount == 2000 + 100 * attempt
    with pytest.raises(stripe.InvalidRequestError) as eleventh:
        _increment(client, pi.id, amount=5000)
    assert (eleventh.value.http_status, eleventh.value.code) == (400, "incremental_authorization_not_available")
    assert "maximum of 10" in str(eleventh.value.user_message)
    after = client.v1.payment_intents.retrieve(pi.id)
    assert (after.status, after.amount_capturable) == ("requires_capture", 2800)
    assert client.v1.payment_intents.capture(pi.id).amount_received == 2800  # still capturable


@pytest.mark.parametrize("mode", ["timeout_after", "crash_after"])
def test_a_lost_answer_is_asked_again_under_the_same_key(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, mode: str
) -> None:
    """The processor incremented but its answer was lost (or the process died): the retry with the same
    Idempotency-Key asks the same processor key and records the increment once."""
    simulator = server.runtime.connector
    assert isinstance(simulator, Simulator)
    scripted = ScriptedConnector(simulator)
    server.runtime.connector = scripted
    try:
        pi = _authorized(client, payment_method_options=REQUEST)
        scripted.fail_next("increment", mode=mode)  # type: ignore[arg-type]
        key = str(uuid.uuid4())

        def post() -> httpx.Response:
            return httpx.post(
                f"{server.base_url}/v1/payment_intents/{pi.id}/increment_authorization",
                data={"amount": "3500"},
                auth=(merchant.secret_key, ""),
                headers={"Idempotency-Key": key},
                timeout=30,
            )

        try:
            lost: httpx.Response | None = post()
        except httpx.HTTPError:
            lost = None  # a crashed process may drop the connection
        assert lost is None or lost.status_code in (500, 503)
        expected = "processing" if mode == "crash_after" else "requires_capture"
        assert client.v1.payment_intents.retrieve(pi.id).status == expected
        retried = post()
        assert retried.status_code == 200, retried.text
        assert (retried.json()["amount"], retried.json()["amount_capturable"]) == (3500, 3500)
        increments = [key for method, key in scripted.calls if method == "increment"]
        assert len(set(increments)) == 1  # one question, asked twice at most
    finally:
        server.runtime.connector = simulator
    assert client.v1.payment_intents.capture(pi.id).amount_received == 3500
    assert server.write(invariants.verify) == []
