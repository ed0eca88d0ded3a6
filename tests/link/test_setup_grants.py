"""A Link grant made by a SetupIntent: the shopper's chosen card is verified, the merchant gets a `link`
method for its customer and charges it off-session until the shopper revokes the grant."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.card_numbers import shows
from tests.conftest import sdk_client
from tests.link.support import Browser, new_email, new_phone, pay_and_opt_in
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.payments.setup_factories import authenticate
from tests.servers import LynkServer


def _returning_shopper(server: LynkServer, merchant: MerchantKeys) -> Browser:
    """A shopper who saved a card at another merchant, logged in at `merchant`'s page."""
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, make_merchant(server), email, phone)
    browser = Browser(server, merchant)
    browser.login(email, phone)
    return browser


def _setup_intent(client: stripe.StripeClient, **extra: Any) -> stripe.SetupIntent:
    customer = client.v1.customers.create(params={"email": "buyer@example.com"})
    params: dict[str, Any] = {"customer": customer.id, "payment_method_types": ["card", "link"], **extra}
    return client.v1.setup_intents.create(params=params)  # type: ignore[arg-type]


def _confirm_with_link(browser: Browser, si: stripe.SetupIntent, **extra: str) -> httpx.Response:
    """What Lynk's element does in the shopper's browser: confirm with the publishable key and Link session."""
    data = {
        "client_secret": str(si.client_secret),
        "payment_method_data[type]": "link",
        "payment_method_data[link][consumer_session_client_secret]": browser.secret or "",
        **extra,
    }
    return browser.http.post(
        f"/v1/setup_intents/{si.id}/confirm", data=data, auth=(browser.merchant.publishable_key, "")
    )


def _off_session(client: stripe.StripeClient, si: stripe.SetupIntent, amount: int = 1250) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "usd",
            "customer": str(si.customer),
            "payment_method_types": ["card", "link"],
            "payment_method": str(si.payment_method),
            "off_session": True,
            "confirm": True,
        }
    )


def test_setup_intent_grant_is_charged_off_session_until_revoked(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser = _returning_shopper(server, shop)
    created = _setup_intent(client)

    confirmed = _confirm_with_link(browser, created)
    assert confirmed.status_code == 200, confirmed.text
    assert not shows(confirmed.text, "4242")
    si = client.v1.setup_intents.retrieve(created.id)
    assert si.status == "succeeded" and si.usage == "off_session" and si.mandate
    method = client.v1.payment_methods.retrieve(str(si.payment_method))
    assert method.type == "link" and method.customer == si.customer
    assert method.link is not None and method.link.email
    assert getattr(method, "card", None) is None
    mandate = client.v1.mandates.retrieve(str(si.mandate))
    assert mandate.payment_method == method.id and mandate.status == "active"
    attempts = client.v1.setup_attempts.list(params={"setup_intent": si.id}).data
    assert [(a.status, a.payment_method_details.type) for a in attempts] == [("succeeded", "link")]
    types = [e.type for e in client.v1.events.list(params={"type": "setup_intent.succeeded"}).data]
    assert types == ["setup_intent.succeeded"]

    grants = browser.post("/v1/link/grants/list").json()["data"]
    assert [(g["payment_method"], g["off_session"], g["status"]) for g in grants] == [(method.id, True, "active")]
    # A setup is not a payment: the merchant's Link metrics count none.
    metrics = httpx.get(f"{server.base_url}/v1/link/metrics", auth=(shop.secret_key, "")).json()
    assert metrics["link_payments"] == 0

    later = _off_session(client, si)
    assert later.status == "succeeded"
    charge = client.v1.charges.retrieve(str(later.latest_charge))
    assert charge.payment_method_details is not None and charge.payment_method_details.type == "link"
    assert not shows(str(charge), "4242")

    browser.post(f"/v1/link/grants/{grants[0]['id']}/revoke")
    with pytest.raises(stripe.CardError) as failure:
        _off_session(client, si)
    assert failure.value.code == "payment_method_unavailable"
    detached = client.v1.events.list(params={"type": "payment_method.detached"}).data
    assert [e.data.object["id"] for e in detached] == [method.id]


def test_on_session_setup_does_not_allow_off_session_charges(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser = _returning_shopper(server, shop)
    created = _setup_intent(client, usage="on_session")
    assert _confirm_with_link(browser, created).status_code == 200
    si = client.v1.setup_intents.retrieve(created.id)
    assert si.status == "succeeded" and si.mandate is None
    with pytest.raises(stripe.CardError) as failure:
        _off_session(client, si)
    assert failure.value.code == "authentication_required"


def test_the_chosen_card_is_verified_and_a_decline_fails_the_setup(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser = _returning_shopper(server, shop)
    declining = browser.post(
        "/v1/link/payment_details",
        {"card[number]": "4000000000000002", "card[exp_month]": "3", "card[exp_year]": "2036"},
    ).json()
    created = _setup_intent(client)
    failed = _confirm_with_link(browser, created, **{"payment_method_data[link][payment_detail]": declining["id"]})
    assert failed.status_code == 402, failed.text
    error = failed.json()["error"]
    assert error["code"] == "card_declined" and error["setup_intent"]["status"] == "requires_payment_method"
    assert not shows(failed.text, "0002")
    assert client.v1.setup_intents.retrieve(created.id).last_setup_error is not None


def test_link_setup_is_refused_with_clear_errors(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser = _returning_shopper(server, shop)

    card_only = _setup_intent(client, payment_method_types=["card"])
    refused = _confirm_with_link(browser, card_only)
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "payment_method_data[type]"

    with pytest.raises(stripe.InvalidRequestError) as unconfirmed:
        client.v1.setup_intents.create(
            params={"payment_method_types": ["link"], "payment_method_data": {"type": "link"}}  # type: ignore[typeddict-item]
        )
    assert unconfirmed.value.param == "payment_method_data[type]"

    stranger = Browser(server, shop)
    stranger.secret = browser.secret  # a secret copied out of the page, without the shopper's browser cookie
    stolen = _confirm_with_link(stranger, _setup_intent(client))
    assert stolen.status_code == 401 and stolen.json()["error"]["code"] == "consumer_session_invalid"


def test_a_link_card_that_needs_3d_secure_is_set_up_through_the_challenge(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser = _returning_shopper(server, shop)
    saved = browser.post(
        "/v1/link/payment_details",
        {"card[number]": "4000002500003155", "card[exp_month]": "3", "card[exp_year]": "2036"},
    ).json()
    created = _setup_intent(client)
    pending = _confirm_with_link(browser, created, **{"payment_method_data[link][payment_detail]": saved["id"]})
    assert pending.status_code == 200 and pending.json()["status"] == "requires_action", pending.text
    si = client.v1.setup_intents.retrieve(created.id)
    assert authenticate(server, si, "complete").status_code in (302, 303)
    si = client.v1.setup_intents.retrieve(created.id)
    assert si.status == "succeeded" and si.mandate
    assert client.v1.payment_methods.retrieve(str(si.payment_method)).type == "link"
    later = _off_session(client, si)  # set up once, so the issuer lets the off-session charge through
    assert later.status == "succeeded"
