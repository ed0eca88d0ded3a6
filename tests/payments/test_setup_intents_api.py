"""SetupIntents through the official SDK: saving cards with and without 3-D Secure, attempts,
mandates, the state machine, the publishable key, and Stripe-shaped errors for bad input."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.payments.setup_factories import RETURN_URL, authenticate, card_method, event_types
from tests.servers import LynkServer


def test_save_a_card_without_authentication(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    si = client.v1.setup_intents.create(
        params={"customer": customer.id, "payment_method": "pm_card_visa", "confirm": True, "metadata": {"o": "1"}}
    )
    assert si.id.startswith("seti_") and si.client_secret.startswith(f"{si.id}_secret_")
    assert (si.status, si.usage, si.payment_method_types) == ("succeeded", "off_session", ["card"])
    assert si.last_setup_error is None and si.next_action is None
    saved = client.v1.customers.payment_methods.list(customer.id).data
    assert [p.id for p in saved] == [si.payment_method]
    mandate = client.v1.mandates.retrieve(si.mandate)
    assert (mandate.status, mandate.type, mandate.payment_method) == ("active", "multi_use", si.payment_method)
    assert mandate.customer_acceptance.type == "online"
    assert mandate.customer_acceptance.online.ip_address == "127.0.0.1"
    attempts = client.v1.setup_attempts.list(params={"setup_intent": si.id}).data
    assert [a.id for a in attempts] == [si.latest_attempt]
    attempt = attempts[0]
    assert (attempt.status, attempt.setup_error, attempt.usage) == ("succeeded", None, "off_session")
    assert attempt.payment_method_details.type == "card"
    assert (attempt.payment_method_details.card.last4, attempt.payment_method_details.card.brand) == ("4242", "visa")
    assert attempt.payment_method_details.card.three_d_secure is None
    assert event_types(client, si.id) == ["setup_intent.created", "setup_intent.succeeded"]
    assert "payment_method.attached" in [e.type for e in client.v1.events.list().data]
    assert client.v1.balance_transactions.list().data == []  # a verification moves no money


def test_save_a_card_with_authentication(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    pm = card_method(client, "4000002760003184")
    si = client.v1.setup_intents.create(
        params={"customer": customer.id, "payment_method": pm.id, "confirm": True, "return_url": RETURN_URL + "?s=1"}
    )
    assert si.status == "requires_action"
    assert si.next_action.type == "redirect_to_url"
    assert si.next_action.redirect_to_url.url.startswith(f"{server.base_url}/3ds/{si.id}?")
    assert si.next_action.redirect_to_url.return_url == RETURN_URL + "?s=1"
    assert client.v1.customers.payment_methods.list(customer.id).data == []
    page = httpx.get(si.next_action.redirect_to_url.url)
    assert "Authenticate your card" in page.text and "3184" in page.text
    answer = authenticate(server, si, "complete")
    assert answer.status_code == 303
    back = urlsplit(answer.headers["location"])
    assert back.netloc == "shop.example"
    assert parse_qs(back.query) == {
        "s": ["1"],
        "setup_intent": [si.id],
        "setup_intent_client_secret": [si.client_secret],
        "redirect_status": ["succeeded"],
    }
    done = client.v1.setup_intents.retrieve(si.id)
    assert (done.status, done.next_action, done.payment_method) == ("succeeded", None, pm.id)
    assert done.mandate is not None
    assert [p.id for p in client.v1.customers.payment_methods.list(customer.id).data] == [pm.id]
    (attempt,) = client.v1.setup_attempts.list(params={"setup_intent": si.id}).data
    assert attempt.status == "succeeded"
    assert attempt.payment_method_details.card.three_d_secure.result == "authenticated"
    assert event_types(client, si.id) == [
        "setup_intent.created",
        "setup_intent.requires_action",
        "setup_intent.succeeded",
    ]


def test_failed_authentication_fails_the_setup(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    si = client.v1.setup_intents.create(
        params={"customer": customer.id, "payment_method": "pm_card_threeDSecure2Required", "confirm": True}
    )
    assert si.status == "requires_action"
    answer = authenticate(server, si, "fail")
    assert answer.status_code == 303  # no return_url: back to the page, which shows the outcome
    assert "no longer needs authentication" in httpx.get(server.base_url + answer.headers["location"]).text
    failed = client.v1.setup_intents.retrieve(si.id)
    assert (failed.status, failed.payment_method, failed.mandate) == ("requires_payment_method", None, None)
    assert failed.last_setup_error.code == "setup_intent_authentication_failure"
    assert failed.last_setup_error.type == "invalid_request_error"
    assert client.v1.customers.payment_methods.list(customer.id).data == []
    (attempt,) = client.v1.setup_attempts.list(params={"setup_intent": si.id}).data
    assert attempt.status == "failed"
    assert attempt.setup_error.code == "setup_intent_authentication_failure"
    assert attempt.payment_method_details.card.three_d_secure.result == "failed"
    assert event_types(client, si.id)[-1] == "setup_intent.setup_failed"
    again = client.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_visa"})
    assert again.status == "succeeded"
    assert len(client.v1.setup_attempts.list(params={"setup_intent": si.id}).data) == 2


def test_failed_authentication_returns_redirect_status_failed(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    si = client.v1.setup_intents.create(
        params={
            "customer": customer.id,
            "payment_method": "pm_card_threeDSecure2Required",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    )
    back = parse_qs(urlsplit(authenticate(server, si, "fail").headers["location"]).query)
    assert back == {
        "setup_intent": [si.id],
        "setup_intent_client_secret": [si.client_secret],
        "redirect_status": ["failed"],
    }


@pytest.mark.parametrize(
    ("card", "code", "decline_code"),
    [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
        ("pm_card_radarBlock", "card_declined", "fraudulent"),
    ],
)
def test_declined_cards_fail_the_setup(client: stripe.StripeClient, card: str, code: str, decline_code: str) -> None:
    customer = client.v1.customers.create()
    with pytest.raises(stripe.CardError) as declined:
        client.v1.setup_intents.create(params={"customer": customer.id, "payment_method": card, "confirm": True})
    error = declined.value.json_body["error"]
    assert declined.value.http_status == 402
    assert (error["type"], error["code"], error["decline_code"]) == ("card_error", code, decline_code)
    si = error["setup_intent"]
    assert si["status"] == "requires_payment_method"
    assert si["last_setup_error"]["decline_code"] == decline_code
    assert si["payment_method"] is None
    assert client.v1.setup_intents.retrieve(si["id"]).last_setup_error.code == code
    assert client.v1.customers.payment_methods.list(customer.id).data == []
    assert event_types(client, si["id"]) == ["setup_intent.created", "setup_intent.setup_failed"]


def test_a_card_that_declines_charges_can_still_be_saved(client: stripe.StripeClient) -> None:
    pm = card_method(client, "4000000000000341")
    si = client.v1.setup_intents.create(params={"payment_method": pm.id, "confirm": True})
    assert si.status == "succeeded"


def test_step_by_step_update_list_and_filters(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    si = client.v1.setup_intents.create(params={"customer": customer.id, "usage": "on_session"})
    assert (si.status, si.payment_method, si.latest_attempt) == ("requires_payment_method", None, None)
    updated = client.v1.setup_intents.update(
        si.id, params={"payment_method": "pm_card_mastercard", "description": "Card for later", "metadata": {"a": "b"}}
    )
    assert (updated.status, updated.description) == ("requires_confirmation", "Card for later")
    assert updated.metadata.to_dict() == {"a": "b"}
    confirmed = client.v1.setup_intents.confirm(si.id)
    assert (confirmed.status, confirmed.usage, confirmed.mandate) == ("succeeded", "on_session", None)
    other = client.v1.setup_intents.create()
    assert [s.id for s in client.v1.setup_intents.list().data] == [other.id, si.id]
    assert [s.id for s in client.v1.setup_intents.list(params={"customer": customer.id}).data] == [si.id]
    by_method = client.v1.setup_intents.list(params={"payment_method": confirmed.payment_method}).data
    assert [s.id for s in by_method] == [si.id]
    assert client.v1.setup_intents.list(params={"created": {"gt": si.created + 10**6}}).data == []
    expanded = client.v1.setup_intents.retrieve(
        si.id, params={"expand": ["customer", "payment_method", "latest_attempt"]}
    )
    assert expanded.customer.id == customer.id
    assert expanded.payment_method.card.last4 == "4444"
    assert expanded.latest_attempt.setup_intent == si.id
    with pytest.raises(stripe.InvalidRequestError) as late:
        client.v1.setup_intents.update(si.id, params={"description": "too late"})
    assert late.value.code == "setup_intent_unexpected_state"


def test_cancel(server: LynkServer, client: stripe.StripeClient) -> None:
    si = client.v1.setup_intents.create(params={"payment_method": "pm_card_threeDSecure2Required", "confirm": True})
    assert si.status == "requires_action"
    canceled = client.v1.setup_intents.cancel(si.id, params={"cancellation_reason": "abandoned"})
    assert (canceled.status, canceled.cancellation_reason, canceled.next_action) == ("canceled", "abandoned", None)
    (attempt,) = client.v1.setup_attempts.list(params={"setup_intent": si.id}).data
    assert attempt.status == "abandoned"
    assert event_types(client, si.id)[-1] == "setup_intent.canceled"
    assert "no longer needs authentication" in httpx.get(si.next_action.redirect_to_url.url).text
    late = httpx.post(f"{server.base_url}/3ds/{si.id}", data={"client_secret": si.client_secret, "outcome": "complete"})
    assert late.status_code == 303  # too late: back to the page, nothing changes
    assert client.v1.setup_intents.retrieve(si.id).status == "canceled"
    for action in (
        lambda: client.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_visa"}),
        lambda: client.v1.setup_intents.cancel(si.id),
    ):
        with pytest.raises(stripe.InvalidRequestError) as wrong_state:
            action()
        assert wrong_state.value.code == "setup_intent_unexpected_state"
        assert wrong_state.value.http_status == 400
        assert "canceled" in str(wrong_state.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as reason:
        client.v1.setup_intents.cancel(
            client.v1.setup_intents.create().id,
            params={"cancellation_reason": "fraudulent"},  # type: ignore[typeddict-item]
        )
    assert reason.value.param == "cancellation_reason"


def test_browser_confirms_with_publishable_key_and_client_secret(server: LynkServer, merchant: MerchantKeys) -> None:
    secret_client = sdk_client(server, merchant.secret_key)
    customer = secret_client.v1.customers.create()
    si = secret_client.v1.setup_intents.create(params={"customer": customer.id, "metadata": {"k": "v"}})
    browser = sdk_client(server, merchant.publishable_key)
    seen = browser.v1.setup_intents.retrieve(si.id, params={"client_secret": si.client_secret})
    assert seen.status == "requires_payment_method" and "metadata" not in seen.to_dict()
    with pytest.raises(stripe.InvalidRequestError) as wrong:
        browser.v1.setup_intents.retrieve(si.id, params={"client_secret": f"{si.id}_secret_wrong"})
    assert (wrong.value.http_status, wrong.value.param) == (404, "client_secret")
    with pytest.raises(stripe.InvalidRequestError):
        browser.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_visa"})
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    confirmed = browser.v1.setup_intents.confirm(
        si.id,
        params={
            "client_secret": si.client_secret,
            "payment_method_data": {"type": "card", "card": card},  # type: ignore[typeddict-item]
        },
    )
    assert confirmed.status == "succeeded"
    assert [p.card.last4 for p in secret_client.v1.customers.payment_methods.list(customer.id).data] == ["4242"]
    for forbidden in (
        lambda: browser.v1.setup_intents.create(),
        lambda: browser.v1.setup_intents.list(),
        lambda: browser.v1.setup_intents.cancel(si.id),
        lambda: browser.v1.setup_attempts.list(params={"setup_intent": si.id}),
    ):
        with pytest.raises(stripe.AuthenticationError):
            forbidden()


def test_mandate_data_is_the_recorded_consent(client: stripe.StripeClient) -> None:
    acceptance = {
        "type": "online",
        "accepted_at": 1_700_000_000,
        "online": {"ip_address": "203.0.113.9", "user_agent": "Shop/1.0"},
    }
    si = client.v1.setup_intents.create(
        params={
            "payment_method": "pm_card_visa",
            "confirm": True,
            "mandate_data": {"customer_acceptance": acceptance},  # type: ignore[typeddict-item]
            "expand": ["mandate"],
        }
    )
    assert si.mandate.customer_acceptance.to_dict() == acceptance  # no `offline: null`: Stripe omits it


def test_bad_input_gets_stripe_errors(server: LynkServer, client: stripe.StripeClient) -> None:
    other = sdk_client(server, make_merchant(server).secret_key)
    their_pm = other.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_visa"}})
    their_customer = other.v1.customers.create()
    customer = client.v1.customers.create()
    someone = client.v1.customers.create()
    theirs_si = other.v1.setup_intents.create()

    def error(call: object, *args: object, **params: object) -> stripe.StripeError:
        with pytest.raises(stripe.StripeError) as raised:
            call(*args, **params)  # type: ignore[operator]
        assert raised.value.http_status is not None and raised.value.http_status < 500
        return raised.value

    unknown = error(client.v1.setup_intents.create, params={"payment_method": "pm_nope", "confirm": True})
    assert (unknown.http_status, unknown.code, unknown.param) == (404, "resource_missing", "payment_method")
    assert client.v1.setup_intents.list().data == []  # nothing half-written
    foreign = error(client.v1.setup_intents.create, params={"payment_method": their_pm.id})
    assert (foreign.http_status, foreign.param) == (404, "payment_method")
    foreign_customer = error(client.v1.setup_intents.create, params={"customer": their_customer.id})
    assert (foreign_customer.http_status, foreign_customer.param) == (404, "customer")
    usage = error(client.v1.setup_intents.create, params={"usage": "sometimes"})
    assert (usage.http_status, usage.param) == (400, "usage")
    types = error(client.v1.setup_intents.create, params={"payment_method_types": ["bitcoin"]})
    assert types.param == "payment_method_types[0]"
    unknown_param = error(client.v1.setup_intents.create, params={"amount": 100})
    assert (unknown_param.code, unknown_param.param) == ("parameter_unknown", "amount")
    missing = error(client.v1.setup_intents.retrieve, "seti_missing")
    assert (missing.http_status, missing.param) == (404, "id")
    assert error(client.v1.setup_intents.retrieve, theirs_si.id).http_status == 404
    attempts = error(client.v1.setup_attempts.list, params={})
    assert (attempts.code, attempts.param) == ("parameter_missing", "setup_intent")
    their_attempts = error(client.v1.setup_attempts.list, params={"setup_intent": theirs_si.id})
    assert (their_attempts.http_status, their_attempts.param) == (404, "setup_intent")
    no_method = error(client.v1.setup_intents.confirm, client.v1.setup_intents.create().id)
    assert (no_method.code, no_method.param) == ("setup_intent_unexpected_state", "payment_method")
    pm = card_method(client, "4242424242424242")
    client.v1.payment_methods.attach(pm.id, params={"customer": someone.id})
    belongs = error(client.v1.setup_intents.create, params={"customer": customer.id, "payment_method": pm.id})
    assert (belongs.http_status, belongs.param) == (400, "payment_method")
    bad_card = error(
        client.v1.setup_intents.create,
        params={
            "confirm": True,
            "payment_method_data": {
                "type": "card",
                "card": {"number": "4242424242424241", "exp_month": 1, "exp_year": 2034},
            },
        },
    )
    assert (bad_card.http_status, bad_card.code) == (402, "incorrect_number")
    assert error(client.v1.mandates.retrieve, "mandate_nope").http_status == 404
    return_url = error(client.v1.setup_intents.create, params={"return_url": RETURN_URL})
    assert (return_url.http_status, return_url.param) == (400, "return_url")


def test_payment_method_data_without_confirm_sets_the_method(client: stripe.StripeClient) -> None:
    card = {"number": "5555555555554444", "exp_month": 12, "exp_year": 2034}
    si = client.v1.setup_intents.create(
        params={"payment_method_data": {"type": "card", "card": card}}  # type: ignore[typeddict-item]
    )
    assert si.status == "requires_confirmation" and si.payment_method.startswith("pm_")
    assert client.v1.setup_intents.confirm(si.id).status == "succeeded"


def test_idempotent_retries_of_create_and_confirm(server: LynkServer, merchant: MerchantKeys) -> None:
    headers = {"Authorization": f"Bearer {merchant.secret_key}"}
    key = str(uuid.uuid4())
    first = httpx.post(
        f"{server.base_url}/v1/setup_intents",
        data={"payment_method": "pm_card_visa"},
        headers={**headers, "Idempotency-Key": key},
    )
    again = httpx.post(
        f"{server.base_url}/v1/setup_intents",
        data={"payment_method": "pm_card_visa"},
        headers={**headers, "Idempotency-Key": key},
    )
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    si_id = first.json()["id"]
    listed = httpx.get(f"{server.base_url}/v1/setup_intents", headers=headers).json()["data"]
    assert [s["id"] for s in listed] == [si_id]
    confirm_key = {**headers, "Idempotency-Key": str(uuid.uuid4())}
    confirmed = httpx.post(f"{server.base_url}/v1/setup_intents/{si_id}/confirm", headers=confirm_key)
    replayed = httpx.post(f"{server.base_url}/v1/setup_intents/{si_id}/confirm", headers=confirm_key)
    assert confirmed.json()["status"] == "succeeded" and replayed.json() == confirmed.json()
    attempts = httpx.get(f"{server.base_url}/v1/setup_attempts", params={"setup_intent": si_id}, headers=headers)
    assert len(attempts.json()["data"]) == 1
    changed = httpx.post(
        f"{server.base_url}/v1/setup_intents",
        data={"payment_method": "pm_card_mastercard"},
        headers={**headers, "Idempotency-Key": key},
    )
    assert changed.status_code == 400 and changed.json()["error"]["type"] == "idempotency_error"


def test_mandate_data_online_needs_its_details(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.setup_intents.create(
            params={
                "payment_method": "pm_card_visa",
                "confirm": True,
                "mandate_data": {"customer_acceptance": {"type": "online"}},
            }
        )
    assert (missing.value.code, missing.value.param) == (
        "parameter_missing",
        "mandate_data[customer_acceptance][online]",
    )
    assert client.v1.setup_intents.list().data == []


def test_a_method_taken_by_another_customer_during_the_challenge(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    customer, someone = client.v1.customers.create(), client.v1.customers.create()
    pm = card_method(client, "4000002760003184")
    si = client.v1.setup_intents.create(params={"customer": customer.id, "payment_method": pm.id, "confirm": True})
    client.v1.payment_methods.attach(pm.id, params={"customer": someone.id})
    answer = authenticate(server, si, "complete")
    assert answer.status_code == 400
    assert "belongs to another customer" in answer.text
    assert client.v1.setup_intents.retrieve(si.id).status == "requires_action"  # nothing half-written


def test_request_three_d_secure_any_challenges_every_card(server: LynkServer, client: stripe.StripeClient) -> None:
    si = client.v1.setup_intents.create(
        params={
            "payment_method": "pm_card_visa",
            "payment_method_options": {"card": {"request_three_d_secure": "any"}},
            "confirm": True,
        }
    )
    assert si.status == "requires_action"
    assert si.payment_method_options.card.request_three_d_secure == "any"
    authenticate(server, si, "complete")
    done = client.v1.setup_intents.retrieve(si.id, params={"expand": ["latest_attempt"]})
    assert done.status == "succeeded"
    assert done.latest_attempt.payment_method_details.card.three_d_secure.result == "authenticated"
    plain = client.v1.setup_intents.create(params={"payment_method": "pm_card_visa"})
    assert plain.payment_method_options.card.request_three_d_secure == "automatic"
    updated = client.v1.setup_intents.update(
        plain.id, params={"payment_method_options": {"card": {"request_three_d_secure": "challenge"}}}
    )
    assert updated.payment_method_options.card.request_three_d_secure == "challenge"
    assert client.v1.setup_intents.confirm(plain.id).status == "requires_action"


def test_a_declined_setup_is_replayed_not_retried(server: LynkServer, merchant: MerchantKeys) -> None:
    headers = {"Authorization": f"Bearer {merchant.secret_key}", "Idempotency-Key": str(uuid.uuid4())}
    body = {"payment_method": "pm_card_chargeDeclined", "confirm": "true"}
    first = httpx.post(f"{server.base_url}/v1/setup_intents", data=body, headers=headers)
    again = httpx.post(f"{server.base_url}/v1/setup_intents", data=body, headers=headers)
    assert first.status_code == again.status_code == 402
    assert again.headers["Idempotent-Replayed"] == "true" and again.content == first.content
    listed = httpx.get(f"{server.base_url}/v1/setup_intents", headers={"Authorization": headers["Authorization"]})
    assert [s["id"] for s in listed.json()["data"]] == [first.json()["error"]["setup_intent"]["id"]]
