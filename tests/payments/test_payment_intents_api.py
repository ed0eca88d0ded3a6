"""PaymentIntents and Charges through the official stripe SDK, with the built-in simulator."""

from __future__ import annotations

import threading
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from lynk.connectors import Simulator
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


def _pay(client: stripe.StripeClient, pm: str, **extra: object) -> stripe.PaymentIntent:
    params = {"amount": 2000, "currency": "usd", "payment_method": pm, "confirm": True, **extra}
    return client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]


def test_pay_with_pm_card_visa(client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_visa", metadata={"order": "42"}, description="Two books")
    assert pi.id.startswith("pi_")
    assert pi.status == "succeeded"
    assert pi.amount_received == 2000
    assert pi.client_secret.startswith(f"{pi.id}_secret_")
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.status == "succeeded"
    assert charge.paid and charge.captured
    assert charge.amount_captured == 2000
    assert charge.payment_intent == pi.id
    assert charge.payment_method_details.type == "card"
    assert charge.payment_method_details.card.last4 == "4242"
    assert charge.payment_method_details.card.brand == "visa"
    assert charge.outcome.type == "authorized"
    assert charge.outcome.network_status == "approved_by_network"
    assert charge.outcome.risk_level == "normal"
    assert 0 <= charge.outcome.risk_score < 65
    assert charge.metadata.to_dict() == {"order": "42"}
    assert [c.id for c in client.v1.charges.list(params={"payment_intent": pi.id}).data] == [charge.id]


DECLINES = [
    ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
    ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("pm_card_chargeDeclinedLostCard", "card_declined", "lost_card"),
    ("pm_card_chargeDeclinedStolenCard", "card_declined", "stolen_card"),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ("pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error"),
    ("pm_card_radarBlock", "card_declined", "fraudulent"),
]


@pytest.mark.parametrize(("pm", "code", "decline_code"), DECLINES, ids=[d[0] for d in DECLINES])
def test_declines_are_card_errors_and_leave_the_intent_reusable(
    client: stripe.StripeClient, pm: str, code: str, decline_code: str
) -> None:
    with pytest.raises(stripe.CardError) as declined:
        _pay(client, pm)
    error = declined.value
    assert error.http_status == 402
    assert error.code == code
    assert error.json_body["error"]["decline_code"] == decline_code
    pi_id = error.json_body["error"]["payment_intent"]["id"]
    pi = client.v1.payment_intents.retrieve(pi_id)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == code
    assert pi.last_payment_error.decline_code == decline_code
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.status == "failed"
    assert charge.failure_code == code
    if pm == "pm_card_radarBlock":
        assert charge.outcome.type == "blocked"
        assert charge.outcome.risk_level == "highest"
    # The shopper tries another card: the same PaymentIntent now succeeds.
    retried = client.v1.payment_intents.confirm(pi_id, params={"payment_method": "pm_card_visa"})
    assert retried.status == "succeeded"


def test_manual_capture_full_and_partial(client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_visa", capture_method="manual")
    assert pi.status == "requires_capture"
    assert pi.amount_capturable == 2000
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.captured is False and charge.amount_captured == 0
    captured = client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 1500})
    assert captured.status == "succeeded"
    assert captured.amount_received == 1500
    assert captured.amount_capturable == 0
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.captured is True and charge.amount_captured == 1500
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.payment_intents.capture(pi.id)
    assert again.value.code == "payment_intent_unexpected_state"
    assert "succeeded" in str(again.value.user_message)

    other = _pay(client, "pm_card_mastercard", capture_method="manual")
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.payment_intents.capture(other.id, params={"amount_to_capture": 2001})
    assert too_much.value.param == "amount_to_capture"
    assert client.v1.payment_intents.capture(other.id).amount_received == 2000


@pytest.mark.parametrize("reason", ["duplicate", "fraudulent", "requested_by_customer", "abandoned"])
def test_cancel_with_each_reason(client: stripe.StripeClient, reason: str) -> None:
    pi = client.v1.payment_intents.create(params={"amount": 1000, "currency": "eur"})
    canceled = client.v1.payment_intents.cancel(pi.id, params={"cancellation_reason": reason})  # type: ignore[typeddict-item]
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == reason
    assert canceled.canceled_at is not None
    with pytest.raises(stripe.InvalidRequestError) as late:
        client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    assert late.value.code == "payment_intent_unexpected_state"


def test_cancel_an_authorization(client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_visa", capture_method="manual")
    canceled = client.v1.payment_intents.cancel(pi.id)
    assert canceled.status == "canceled"
    assert canceled.amount_capturable == 0


def test_three_d_secure_over_http(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_threeDSecure2Required", return_url="https://shop.example/done?order=7")
    assert pi.status == "requires_action"
    assert pi.next_action.type == "redirect_to_url"
    url = pi.next_action.redirect_to_url.url
    assert url.startswith(server.base_url + "/3ds/")
    page = httpx.get(url)
    assert page.status_code == 200
    assert "Complete authentication" in page.text and "Fail authentication" in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    secret = parse_qs(urlsplit(url).query)["client_secret"][0]
    answer = httpx.post(
        f"{server.base_url}/3ds/{pi.id}", data={"client_secret": secret, "outcome": "complete"}, follow_redirects=False
    )
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.netloc == "shop.example"
    assert parse_qs(location.query) == {
        "order": ["7"],
        "payment_intent": [pi.id],
        "payment_intent_client_secret": [secret],
        "redirect_status": ["succeeded"],
    }
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_three_d_secure_failed(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_authenticationRequired", return_url="https://shop.example/done")
    assert pi.status == "requires_action"
    answer = httpx.post(
        f"{server.base_url}/3ds/{pi.id}",
        data={"client_secret": pi.client_secret, "outcome": "fail"},
        follow_redirects=False,
    )
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert (back["payment_intent"], back["redirect_status"]) == ([pi.id], ["failed"])
    failed = client.v1.payment_intents.retrieve(pi.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"


def test_three_d_secure_completed_then_declined_returns_failed(server: LynkServer, client: stripe.StripeClient) -> None:
    pm = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4000008400001629", "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    pi = _pay(client, pm.id, return_url="https://shop.example/done")
    assert pi.status == "requires_action"
    answer = httpx.post(
        f"{server.base_url}/3ds/{pi.id}",
        data={"client_secret": pi.client_secret, "outcome": "complete"},
        follow_redirects=False,
    )
    assert parse_qs(urlsplit(answer.headers["location"]).query)["redirect_status"] == ["failed"]
    assert client.v1.payment_intents.retrieve(pi.id).last_payment_error.decline_code == "generic_decline"


def test_three_d_secure_page_refuses_a_wrong_secret(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_threeDSecure2Required", return_url="https://shop.example/done")
    assert httpx.get(f"{server.base_url}/3ds/{pi.id}?client_secret=wrong").status_code == 404
    answer = httpx.post(f"{server.base_url}/3ds/{pi.id}", data={"client_secret": "wrong", "outcome": "complete"})
    assert answer.status_code == 404
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_action"


def test_browser_confirms_with_publishable_key_and_client_secret(server: LynkServer, merchant: MerchantKeys) -> None:
    secret_client = sdk_client(server, merchant.secret_key)
    pi = secret_client.v1.payment_intents.create(params={"amount": 1234, "currency": "gbp", "metadata": {"k": "v"}})
    browser = sdk_client(server, merchant.publishable_key)
    seen = browser.v1.payment_intents.retrieve(pi.id, params={"client_secret": pi.client_secret})
    assert seen.status == "requires_payment_method"
    assert "metadata" not in seen.to_dict()
    with pytest.raises(stripe.InvalidRequestError):
        browser.v1.payment_intents.retrieve(pi.id, params={"client_secret": "pi_x_secret_wrong"})
    with pytest.raises(stripe.InvalidRequestError):
        browser.v1.payment_intents.retrieve(pi.id)
    confirmed = browser.v1.payment_intents.confirm(
        pi.id, params={"client_secret": pi.client_secret, "payment_method": "pm_card_visa"}
    )
    assert confirmed.status == "succeeded"
    with pytest.raises(stripe.AuthenticationError):
        browser.v1.payment_intents.capture(pi.id)


def test_raw_test_card_through_payment_method_data(client: stripe.StripeClient) -> None:
    card = {"number": "4000000000009995", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create(
            params={
                "amount": 500,
                "currency": "usd",
                "confirm": True,
                "payment_method_data": {"type": "card", "card": card},  # type: ignore[typeddict-item]
            }
        )
    assert declined.value.json_body["error"]["decline_code"] == "insufficient_funds"
    assert "4000000000009995" not in str(declined.value.json_body)


def test_amount_and_currency_rules(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as small:
        client.v1.payment_intents.create(params={"amount": 49, "currency": "usd"})
    assert small.value.code == "amount_too_small"
    assert small.value.param == "amount"
    assert client.v1.payment_intents.create(params={"amount": 50, "currency": "JPY"}).currency == "jpy"
    with pytest.raises(stripe.InvalidRequestError) as bad_currency:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "xyz"})
    assert bad_currency.value.param == "currency"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_intents.create(params={"currency": "usd"})  # type: ignore[typeddict-item]
    assert missing.value.param == "amount"


def test_setup_future_usage_attaches_to_the_customer(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    pi = _pay(client, "pm_card_visa", customer=customer.id, setup_future_usage="off_session")
    assert pi.status == "succeeded"
    saved = client.v1.customers.payment_methods.list(customer.id).data
    assert [p.id for p in saved] == [pi.payment_method]


def test_update_list_and_scoping(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    updated = client.v1.payment_intents.update(pi.id, params={"amount": 1500, "payment_method": "pm_card_visa"})
    assert updated.amount == 1500
    assert updated.status == "requires_confirmation"
    assert client.v1.payment_intents.confirm(pi.id).status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as late:
        client.v1.payment_intents.update(pi.id, params={"amount": 10})
    assert late.value.code == "payment_intent_unexpected_state"
    assert pi.id in [p.id for p in client.v1.payment_intents.list().data]
    other = sdk_client(server, make_merchant(server).secret_key)
    with pytest.raises(stripe.InvalidRequestError) as missing:
        other.v1.payment_intents.retrieve(pi.id)
    assert missing.value.http_status == 404


def test_events_of_a_payment(client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_visa", capture_method="manual")
    client.v1.payment_intents.capture(pi.id)
    types = [e.type for e in client.v1.events.list(params={"limit": 100}).data]
    assert types == [
        "payment_intent.succeeded",
        "charge.captured",
        "payment_intent.amount_capturable_updated",
        "charge.succeeded",
        "payment_intent.created",
    ]


def test_fifty_concurrent_confirms_authorize_once(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = client.v1.payment_intents.create(params={"amount": 3000, "currency": "usd", "payment_method": "pm_card_visa"})
    connector = server.runtime.connector
    assert isinstance(connector, Simulator)
    before = connector.authorizations
    barrier = threading.Barrier(50)
    statuses: list[int] = []
    lock = threading.Lock()

    def confirm() -> None:
        barrier.wait()
        response = httpx.post(
            f"{server.base_url}/v1/payment_intents/{pi.id}/confirm",
            auth=(merchant.secret_key, ""),
            headers={"Idempotency-Key": str(uuid.uuid4())},
            timeout=60,
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=confirm) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 400}
    assert connector.authorizations - before == 1
    assert len(client.v1.charges.list(params={"payment_intent": pi.id}).data) == 1


def test_expand_on_payment_intents_and_charges(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"name": "Exp"})
    pi = _pay(client, "pm_card_visa", customer=customer.id)
    expanded = client.v1.payment_intents.retrieve(
        pi.id, params={"expand": ["customer", "payment_method", "latest_charge.balance_transaction"]}
    )
    assert expanded.customer.name == "Exp"
    assert expanded.payment_method.card.last4 == "4242"
    assert expanded.latest_charge.balance_transaction.amount == 2000
    charges = client.v1.charges.list(params={"expand": ["data.payment_intent"]})
    assert charges.data[0].payment_intent.id == pi.id


def test_capture_method_automatic_async_is_kept(client: stripe.StripeClient) -> None:
    pi = _pay(client, "pm_card_visa", capture_method="automatic_async")
    assert pi.capture_method == "automatic_async"
    assert pi.status == "succeeded"


def test_a_card_cannot_pay_an_intent_that_does_not_accept_cards(client: stripe.StripeClient) -> None:
    pi = client.v1.payment_intents.create(
        params={"amount": 2000, "currency": "usd", "payment_method_types": ["us_bank_account"]}
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    assert refused.value.http_status == 400
    assert refused.value.code == "payment_intent_incompatible_payment_method"
    assert refused.value.param == "payment_method"
    after = client.v1.payment_intents.retrieve(pi.id)
    assert after.status == "requires_payment_method" and after.latest_charge is None
    assert client.v1.charges.list().data == []  # nothing was charged
