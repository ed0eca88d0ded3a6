"""`payment_method_data[billing_details]` sent with a card to a PaymentIntent or SetupIntent is kept on
the PaymentMethod it makes, as `POST /v1/payment_methods` keeps it (browser card forms send it)."""

from __future__ import annotations

from typing import Any

import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
BILLING = {
    "name": "Jenny Rosen",
    "email": "jenny@example.com",
    "phone": "+14155550103",
    "address": {"line1": "1 Main St", "city": "San Francisco", "postal_code": "94103", "country": "US"},
}


def _data() -> Any:
    return {"type": "card", "card": CARD, "billing_details": BILLING}


def _assert_kept(client: stripe.StripeClient, pm_id: str) -> None:
    billing = client.v1.payment_methods.retrieve(pm_id).billing_details
    assert (billing.name, billing.email, billing.phone) == ("Jenny Rosen", "jenny@example.com", "+14155550103")
    assert (billing.address.line1, billing.address.city) == ("1 Main St", "San Francisco")
    assert (billing.address.postal_code, billing.address.country, billing.address.line2) == ("94103", "US", None)


def test_payment_intent_create_keeps_billing_details(client: stripe.StripeClient) -> None:
    pi = client.v1.payment_intents.create(
        params={"amount": 1500, "currency": "usd", "confirm": True, "payment_method_data": _data()}
    )
    assert pi.status == "succeeded"
    _assert_kept(client, pi.payment_method)
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.billing_details.email == "jenny@example.com"


def test_browser_confirm_of_a_payment_intent_keeps_billing_details(server: LynkServer, merchant: MerchantKeys) -> None:
    client = sdk_client(server, merchant.secret_key)
    pi = client.v1.payment_intents.create(params={"amount": 1500, "currency": "usd"})
    browser = sdk_client(server, merchant.publishable_key)
    confirmed = browser.v1.payment_intents.confirm(
        pi.id, params={"client_secret": pi.client_secret, "payment_method_data": _data()}
    )
    assert confirmed.status == "succeeded"
    _assert_kept(client, confirmed.payment_method)


def test_setup_intent_confirm_keeps_billing_details_for_customer(server: LynkServer, merchant: MerchantKeys) -> None:
    """stripe-samples "saving-card-without-payment": the shop copies the saved card's billing email to
    its customer, which must not become null."""
    client = sdk_client(server, merchant.secret_key)
    customer = client.v1.customers.create()
    si = client.v1.setup_intents.create(params={"customer": customer.id})
    browser = sdk_client(server, merchant.publishable_key)
    confirmed = browser.v1.setup_intents.confirm(
        si.id, params={"client_secret": si.client_secret, "payment_method_data": _data()}
    )
    assert confirmed.status == "succeeded"
    _assert_kept(client, confirmed.payment_method)
    pm = client.v1.payment_methods.retrieve(confirmed.payment_method)
    updated = client.v1.customers.update(customer.id, params={"email": pm.billing_details.email})
    assert updated.email == "jenny@example.com"


def test_setup_intent_create_keeps_billing_details(client: stripe.StripeClient) -> None:
    si = client.v1.setup_intents.create(params={"payment_method_data": _data()})
    assert si.status == "requires_confirmation"
    _assert_kept(client, si.payment_method)
