"""A card PaymentMethod that paid while attached to no customer is spent (issue 11 item 6): no other
PaymentIntent may use it again, whichever key asks, with Stripe's message; a customer's card may."""

from __future__ import annotations

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.payments.setup_factories import card_method
from tests.servers import LynkServer

SPENT = (
    "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared "
    "with a connected account without Customer attachment, or was detached from a Customer. It may not be used "
    "again. To use a PaymentMethod multiple times, you must attach it to a Customer first."
)


def _intent(client: stripe.StripeClient, amount: int, **extra: str) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(params={"amount": amount, "currency": "usd", **extra})  # type: ignore[typeddict-item]


def test_a_card_that_paid_without_a_customer_cannot_pay_again(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    browser = sdk_client(server, merchant.publishable_key)
    method = card_method(browser, "4242424242424242")
    first = _intent(client, 1_000)
    paid = browser.v1.payment_intents.confirm(
        first.id, params={"client_secret": first.client_secret, "payment_method": method.id}
    )
    assert paid.status == "succeeded"

    second = _intent(client, 90_000)
    with pytest.raises(stripe.InvalidRequestError) as from_browser:
        browser.v1.payment_intents.confirm(
            second.id, params={"client_secret": second.client_secret, "payment_method": method.id}
        )
    with pytest.raises(stripe.InvalidRequestError) as from_server:
        client.v1.payment_intents.confirm(second.id, params={"payment_method": method.id})
    with pytest.raises(stripe.InvalidRequestError) as at_create:
        _intent(client, 90_000, payment_method=method.id, confirm="true")  # type: ignore[arg-type]
    for refused in (from_browser, from_server, at_create):
        assert (refused.value.http_status, refused.value.param) == (400, "payment_method")
        assert refused.value.user_message == SPENT
    assert client.v1.payment_intents.retrieve(second.id).status == "requires_payment_method"
    assert client.v1.charges.list(params={"payment_intent": second.id}).data == []

    # Nor can it be kept now: attaching it to a customer is refused too.
    customer = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as attach:
        client.v1.payment_methods.attach(method.id, params={"customer": customer.id})
    assert "may not be used again" in str(attach.value.user_message)


def test_a_declined_card_may_try_again_and_a_customers_card_pays_again(client: stripe.StripeClient) -> None:
    declining = card_method(client, "4000000000009995")  # insufficient funds: nothing was paid
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.create(
            params={"amount": 500, "currency": "usd", "payment_method": declining.id, "confirm": True}
        )
    with pytest.raises(stripe.CardError) as again:  # declined again by the issuer, not refused as spent
        client.v1.payment_intents.create(
            params={"amount": 500, "currency": "usd", "payment_method": declining.id, "confirm": True}
        )
    assert again.value.code == "card_declined"

    customer = client.v1.customers.create()
    kept = card_method(client, "4242424242424242")
    client.v1.payment_methods.attach(kept.id, params={"customer": customer.id})
    for amount in (700, 800):
        pi = client.v1.payment_intents.create(
            params={
                "amount": amount,
                "currency": "usd",
                "customer": customer.id,
                "payment_method": kept.id,
                "confirm": True,
            }
        )
        assert pi.status == "succeeded"
