"""PaymentIntent parameters of today's integrations: automatic payment methods, per-method options,
shipping, statement descriptors, error_on_requires_action, updates after success, capture extras."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

SHIPPING = {
    "name": "Jenny Rosen",
    "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
    "carrier": "UPS",
}
BANK = {"routing_number": "110000000", "account_number": "000123456789", "account_holder_type": "individual"}
MANDATE = {"customer_acceptance": {"type": "online", "online": {"ip_address": "1.2.3.4", "user_agent": "test"}}}


def _create(client: stripe.StripeClient, **params: Any) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", **params})  # type: ignore[arg-type]


def test_automatic_payment_methods_offer_the_merchants_methods(client: stripe.StripeClient) -> None:
    pi = _create(client, automatic_payment_methods={"enabled": True})
    assert pi.automatic_payment_methods.enabled is True
    assert pi.automatic_payment_methods.allow_redirects == "always"
    assert pi.payment_method_types == ["card", "link", "us_bank_account"]
    assert pi.payment_method_options.card.request_three_d_secure == "automatic"
    assert pi.payment_method_options.us_bank_account.verification_method == "automatic"
    # A bank debit is in dollars and captured at once: it is not offered otherwise.
    euros = _create(client, currency="eur", automatic_payment_methods={"enabled": True, "allow_redirects": "never"})
    assert euros.payment_method_types == ["card", "link"]
    assert euros.automatic_payment_methods.allow_redirects == "never"
    manual = _create(client, capture_method="manual", automatic_payment_methods={"enabled": True})
    assert manual.payment_method_types == ["card", "link"]
    plain = _create(client)
    assert plain.automatic_payment_methods is None
    assert plain.payment_method_types == ["card"]
    with pytest.raises(stripe.InvalidRequestError) as both:
        _create(client, automatic_payment_methods={"enabled": True}, payment_method_types=["card"])
    assert both.value.param == "automatic_payment_methods"


def test_payment_element_flow_with_automatic_payment_methods(server: LynkServer, merchant: MerchantKeys) -> None:
    """accept-a-payment/payment-element: the server creates the intent, the page confirms it with the
    publishable key and the client secret, the server reads the result."""
    shop = sdk_client(server, merchant.secret_key)
    pi = shop.v1.payment_intents.create(
        params={"amount": 1999, "currency": "usd", "automatic_payment_methods": {"enabled": True}}
    )
    browser = sdk_client(server, merchant.publishable_key)
    card = browser.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}}  # type: ignore[typeddict-item]
    )
    confirmed = browser.v1.payment_intents.confirm(
        pi.id,
        params={
            "client_secret": pi.client_secret,
            "payment_method": card.id,
            "return_url": "https://shop.example/done",
        },
    )
    assert confirmed.status == "succeeded"
    assert shop.v1.payment_intents.retrieve(pi.id).amount_received == 1999
    # The same element paying by bank: the debit is sent, as with explicit payment_method_types.
    bank = shop.v1.payment_intents.create(
        params={"amount": 1500, "currency": "usd", "automatic_payment_methods": {"enabled": True}}
    )
    sent = browser.v1.payment_intents.confirm(
        bank.id,
        params={
            "client_secret": bank.client_secret,
            "payment_method_data": {
                "type": "us_bank_account",
                "us_bank_account": BANK,
                "billing_details": {"name": "Jenny Rosen"},
            },  # type: ignore[typeddict-item]
            "mandate_data": MANDATE,  # type: ignore[typeddict-item]
        },
    )
    assert sent.status == "processing"


def test_request_three_d_secure_challenge_fills_three_d_secure(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = _create(
        client,
        payment_method="pm_card_visa",
        confirm=True,
        payment_method_options={"card": {"request_three_d_secure": "challenge"}},
        return_url="https://shop.example/done",
    )
    assert pi.status == "requires_action"
    assert pi.payment_method_options.card.request_three_d_secure == "challenge"
    httpx.post(f"{server.base_url}/3ds/{pi.id}", data={"client_secret": pi.client_secret, "outcome": "complete"})
    done = client.v1.payment_intents.retrieve(pi.id)
    assert done.status == "succeeded"
    secure = client.v1.charges.retrieve(done.latest_charge).payment_method_details.card.three_d_secure
    assert secure.result == "authenticated"
    assert secure.authentication_flow == "challenge"
    # Without the option the same card goes through at once, and its charge has no 3-D Secure.
    plain = _create(client, payment_method="pm_card_visa", confirm=True)
    assert client.v1.charges.retrieve(plain.latest_charge).payment_method_details.card.three_d_secure is None


def test_card_capture_method_option_authorizes_cards_only(client: stripe.StripeClient) -> None:
    pi = _create(
        client,
        payment_method="pm_card_visa",
        confirm=True,
        payment_method_options={"card": {"capture_method": "manual"}},
    )
    assert pi.status == "requires_capture"
    assert pi.capture_method == "automatic"
    captured = client.v1.payment_intents.capture(
        pi.id, params={"metadata": {"picked": "yes"}, "statement_descriptor_suffix": "ORDER 42"}
    )
    assert captured.status == "succeeded"
    assert captured.metadata.to_dict() == {"picked": "yes"}
    assert captured.statement_descriptor_suffix == "ORDER 42"
    assert client.v1.charges.retrieve(pi.latest_charge).statement_descriptor_suffix == "ORDER 42"


def test_setup_future_usage_per_method_type(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    saved = _create(
        client,
        customer=customer.id,
        payment_method="pm_card_visa",
        confirm=True,
        payment_method_options={"card": {"setup_future_usage": "off_session"}},
    )
    assert saved.setup_future_usage is None
    assert client.v1.payment_methods.retrieve(saved.payment_method).customer == customer.id
    # `none` switches the intent's own setup_future_usage off for cards.
    not_saved = _create(
        client,
        customer=customer.id,
        payment_method="pm_card_visa",
        confirm=True,
        setup_future_usage="off_session",
        payment_method_options={"card": {"setup_future_usage": "none"}},
    )
    assert client.v1.payment_methods.retrieve(not_saved.payment_method).customer is None


def test_shipping_and_descriptors_reach_the_charge(client: stripe.StripeClient) -> None:
    pi = _create(
        client,
        payment_method="pm_card_visa",
        confirm=True,
        shipping=SHIPPING,
        statement_descriptor="LYNK SHOP",
        statement_descriptor_suffix="ORDER 7",
        receipt_email="jenny@example.com",
        use_stripe_sdk=True,
        radar_options={"session": "rse_123"},
    )
    assert pi.shipping.name == "Jenny Rosen"
    assert pi.shipping.address.line1 == "1 Main St"
    assert pi.shipping.address.line2 is None
    assert pi.shipping.carrier == "UPS"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.shipping.address.city == "Springfield"
    assert charge.statement_descriptor == "LYNK SHOP"
    assert charge.statement_descriptor_suffix == "ORDER 7"
    assert charge.receipt_email == "jenny@example.com"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        _create(client, shipping={"name": "Jenny"})
    assert missing.value.param == "shipping[address]"
    with pytest.raises(stripe.InvalidRequestError) as long:
        _create(client, statement_descriptor_suffix="X" * 23)
    assert long.value.param == "statement_descriptor_suffix"


def test_error_on_requires_action_fails_instead_of_asking(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError) as failed:
        _create(client, payment_method="pm_card_threeDSecure2Required", confirm=True, error_on_requires_action=True)
    assert failed.value.code == "authentication_required"
    pi = client.v1.payment_intents.retrieve(failed.value.json_body["error"]["payment_intent"]["id"])
    assert pi.status == "requires_payment_method"
    with pytest.raises(stripe.InvalidRequestError) as not_confirming:
        _create(client, error_on_requires_action=True)
    assert not_confirming.value.param == "error_on_requires_action"


def test_updates_before_and_after_success(client: stripe.StripeClient) -> None:
    pi = _create(client, automatic_payment_methods={"enabled": True}, setup_future_usage="off_session")
    updated = client.v1.payment_intents.update(
        pi.id,
        params={
            "payment_method_types": ["card"],
            "capture_method": "manual",
            "setup_future_usage": "",
            "shipping": SHIPPING,
            "payment_method_options": {"card": {"request_three_d_secure": "any"}},
            "payment_method_data": {
                "type": "card",
                "card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2035, "cvc": "123"},
            },  # type: ignore[typeddict-item]
        },
    )
    assert updated.payment_method_types == ["card"]
    assert updated.automatic_payment_methods is None
    assert updated.capture_method == "manual"
    assert updated.setup_future_usage is None
    assert updated.shipping.name == "Jenny Rosen"
    assert updated.status == "requires_confirmation"
    assert updated.payment_method.startswith("pm_")
    unset = client.v1.payment_intents.update(pi.id, params={"shipping": ""})
    assert unset.shipping is None
    paid = _create(client, payment_method="pm_card_visa", confirm=True)
    after = client.v1.payment_intents.update(
        paid.id, params={"metadata": {"shipped": "yes"}, "description": "Sent", "receipt_email": "a@b.co"}
    )
    assert after.metadata.to_dict() == {"shipped": "yes"}
    assert after.description == "Sent"
    with pytest.raises(stripe.InvalidRequestError) as too_late:
        client.v1.payment_intents.update(paid.id, params={"amount": 5000})
    assert too_late.value.code == "payment_intent_unexpected_state"


def test_mandate_must_exist_and_cover_the_method(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        _create(client, payment_method="pm_card_visa", confirm=True, mandate="mandate_nope")
    assert missing.value.http_status == 404
    assert missing.value.param == "mandate"
