"""What a publishable key may confirm with (issue 11 item 5): a shopper's saved Link method, or a saved
card off session, is charged only by the merchant's server with its secret key, never from a browser
holding a client secret."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.conftest import sdk_client
from tests.link.support import Browser, link_intent, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.payments.setup_factories import card_method
from tests.servers import LynkServer


def _saved_link_method(server: LynkServer, shop: MerchantKeys) -> str:
    """A shopper pays at `shop` with Link and lets it charge later, off session: the `link` method's id."""
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, make_merchant(server), email, phone)
    browser = Browser(server, shop)
    browser.login(email, phone)
    paid = pay_with_link(browser, link_intent(server, shop), setup_future_usage="off_session")
    assert paid.status_code == 200, paid.text
    return str(paid.json()["payment_method"])


def _browser_confirm(server: LynkServer, shop: MerchantKeys, intent: Any, **params: Any) -> stripe.PaymentIntent:
    browser = sdk_client(server, shop.publishable_key)
    return browser.v1.payment_intents.confirm(
        intent["id"] if isinstance(intent, dict) else intent.id,
        params={"client_secret": intent["client_secret"], **params},
    )


@pytest.mark.parametrize("off_session", [True, False])
def test_a_client_secret_cannot_charge_a_saved_link_method(server: LynkServer, off_session: bool) -> None:
    shop = make_merchant(server)
    method = _saved_link_method(server, shop)
    intent = link_intent(server, shop, amount=77_700)  # anyone holding its client secret
    params: dict[str, Any] = {"payment_method": method, **({"off_session": True} if off_session else {})}

    with pytest.raises(stripe.InvalidRequestError) as refused:
        _browser_confirm(server, shop, intent, **params)

    assert refused.value.http_status == 400
    assert refused.value.param == ("off_session" if off_session else "payment_method")
    assert "secret key" in str(refused.value.user_message)
    client = sdk_client(server, shop.secret_key)
    assert client.v1.payment_intents.retrieve(intent["id"]).status == "requires_payment_method"
    assert client.v1.charges.list(params={"payment_intent": intent["id"]}).data == []
    # The merchant's own server may still charge it, off session, through the grant.
    later = client.v1.payment_intents.confirm(intent["id"], params={"payment_method": method, "off_session": True})
    assert later.status == "succeeded"


def test_a_client_secret_cannot_charge_a_saved_card_off_session(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    customer = client.v1.customers.create()
    saved = card_method(client, "4242424242424242")
    client.v1.payment_methods.attach(saved.id, params={"customer": customer.id})
    pi = client.v1.payment_intents.create(params={"amount": 90_000, "currency": "usd", "customer": customer.id})

    with pytest.raises(stripe.InvalidRequestError) as refused:
        _browser_confirm(server, shop, pi, payment_method=saved.id, off_session=True)
    assert (refused.value.http_status, refused.value.param) == (400, "off_session")
    assert client.v1.charges.list(params={"payment_intent": pi.id}).data == []

    # On session, the customer the server put on the intent pays with their saved card, as at Stripe.
    paid = _browser_confirm(server, shop, pi, payment_method=saved.id)
    assert paid.status == "succeeded"


def test_a_browser_pays_with_the_card_it_just_created(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    pi = client.v1.payment_intents.create(params={"amount": 1_500, "currency": "usd"})
    created = card_method(sdk_client(server, shop.publishable_key), "4242424242424242")
    assert _browser_confirm(server, shop, pi, payment_method=created.id).status == "succeeded"
