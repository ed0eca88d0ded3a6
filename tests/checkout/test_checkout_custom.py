"""Checkout Elements (`ui_mode=custom`, or `elements` in Stripe's newer API versions) through the SDK, with the
browser's steps done over HTTP as lynk.js and its frames do them: the session frame's data, updateEmail, the
payment element's calls with the publishable key, then the way back through Lynk to `return_url`."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest
import stripe

from lynk.api import maintenance
from tests.checkout.factories import make_session
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

RETURN = "https://shop.example/complete?session_id={CHECKOUT_SESSION_ID}"
SHOP = "https://shop.example"


def _custom(client: stripe.StripeClient, ui_mode: str = "custom", **extra: Any) -> stripe.checkout.Session:
    return make_session(client, ui_mode=ui_mode, return_url=RETURN, success_url=None, cancel_url=None, **extra)


@pytest.mark.parametrize("ui_mode", ["custom", "elements"])
def test_a_custom_session_has_a_client_secret_a_return_url_and_no_url(
    client: stripe.StripeClient, ui_mode: str
) -> None:
    session = _custom(client, ui_mode)
    assert session.ui_mode == ui_mode  # answered in the spelling it was given
    assert session.url is None
    assert session.client_secret is not None and session.client_secret.startswith(f"{session.id}_secret_")
    assert session.return_url == RETURN
    assert (session.status, session.payment_status, session.amount_total) == ("open", "unpaid", 3_500)
    assert client.v1.checkout.sessions.retrieve(session.id).client_secret == session.client_secret


def test_the_newer_spellings_of_hosted_and_embedded(client: stripe.StripeClient) -> None:
    hosted = make_session(client, ui_mode="hosted_page")
    assert hosted.url is not None and hosted.client_secret is None and hosted.ui_mode == "hosted_page"
    embedded = make_session(client, ui_mode="embedded_page", return_url=RETURN, success_url=None, cancel_url=None)
    assert embedded.url is None and embedded.client_secret is not None and embedded.redirect_on_completion == "always"


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"success_url": "https://shop.example/ok"}, "success_url"),
        ({"return_url": None}, "return_url"),
        ({"custom_text": {"submit": {"message": "Hi"}}}, "custom_text"),
        ({"redirect_on_completion": "if_required"}, "redirect_on_completion"),
        ({"billing_address_collection": "required"}, "billing_address_collection"),
        ({"phone_number_collection": {"enabled": True}}, "phone_number_collection"),
        ({"shipping_address_collection": {"allowed_countries": ["US"]}}, "shipping_address_collection"),
        ({"consent_collection": {"terms_of_service": "required"}}, "consent_collection"),
        ({"after_expiration": {"recovery": {"enabled": True}}}, "after_expiration"),
    ],
)
def test_what_a_custom_session_refuses(client: stripe.StripeClient, extra: dict[str, Any], param: str) -> None:
    params: dict[str, Any] = {"return_url": RETURN, "success_url": None, "cancel_url": None, **extra}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        make_session(client, ui_mode="custom", **params)  # the SDK leaves out what is None
    assert refused.value.param == param
    assert refused.value.http_status == 400


def test_setup_mode_is_refused_with_custom(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params={"mode": "setup", "ui_mode": "custom", "return_url": RETURN})
    assert refused.value.param == "mode"


def _frame(server: LynkServer, key: str, secret: str) -> httpx.Response:
    query = {"key": key, "client_secret": secret, "origin": SHOP}
    return httpx.get(f"{server.base_url}/elements/checkout", params=query)


def _attr(page: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', page)
    assert found is not None, name
    return html.unescape(found.group(1))


def _email(server: LynkServer, secret: str, email: str, site: str = "same-origin") -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/elements/checkout/email",
        json={"client_secret": secret, "email": email},
        headers={"Sec-Fetch-Site": site},
    )


def _pay(server: LynkServer, pk: str, pi_secret: str, number: str, return_url: str) -> httpx.Response:
    """What the payment element does: a PaymentMethod, then the PaymentIntent's confirm, with the publishable key."""
    auth = {"Authorization": f"Bearer {pk}"}
    card = {"type": "card", "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "1"}
    card["card[cvc]"] = "123"
    method = httpx.post(f"{server.base_url}/v1/payment_methods", data=card, headers=auth)
    assert method.status_code == 200, method.text
    pi_id = pi_secret.partition("_secret_")[0]
    params = {"client_secret": pi_secret, "payment_method": method.json()["id"], "return_url": return_url}
    return httpx.post(f"{server.base_url}/v1/payment_intents/{pi_id}/confirm", data=params, headers=auth)


def test_the_browser_steps_decline_then_pay_and_the_session_completes(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    session = _custom(client, "elements")
    secret = session.client_secret or ""
    pk = merchant.publishable_key

    frame = _frame(server, pk, secret)
    assert frame.status_code == 200
    assert "frame-ancestors http: https:" in frame.headers["Content-Security-Policy"]
    info = json.loads(_attr(frame.text, "data-session"))
    assert info["id"] == session.id and info["currency"] == "usd" and info["email"] is None
    assert info["total"]["total"] == {"minorUnitsAmount": 3_500, "amount": "$35.00"}
    assert [(line["name"], line["quantity"]) for line in info["lineItems"]] == [("T-shirt", 2), ("Socks", 1)]
    assert info["status"] == {"type": "open"} and info["canConfirm"] is True
    pi_secret = _attr(frame.text, "data-payment-secret")
    pi = client.v1.payment_intents.retrieve(pi_secret.partition("_secret_")[0])
    assert pi.id == session.payment_intent and pi.client_secret == pi_secret

    # A wrong secret, a hosted session's id, or a secret key as `key`: the frame says it is not set up.
    for key, wrong in ((pk, f"{session.id}_secret_nope"), (pk, "cs_test_x_secret_y"), (merchant.secret_key, secret)):
        refused = _frame(server, key, wrong)
        assert refused.status_code == 404 and 'data-error="This checkout is not set up correctly."' in refused.text
        assert 'data-payment-secret=""' in refused.text

    # updateEmail: checked, only from Lynk's own frame, then kept on the session.
    assert _email(server, secret, "not-an-email").json()["error"]["code"] == "invalidEmail"
    assert _email(server, secret, "").json()["error"]["code"] == "incompleteEmail"
    assert _email(server, secret, "jenny@example.com", site="cross-site").status_code == 403
    assert _email(server, f"{session.id}_secret_nope", "jenny@example.com").status_code == 404
    updated = _email(server, secret, "jenny@example.com")
    assert updated.status_code == 200 and updated.json()["session"]["email"] == "jenny@example.com"

    # The custom session has no hosted page and cannot be paid through one.
    assert httpx.get(f"{server.base_url}/c/pay/{session.id}").status_code == 404
    back = f"{server.base_url}/c/pay/{session.id}/return"
    declined = _pay(server, pk, pi_secret, "4000000000000002", back)
    assert declined.status_code == 402 and declined.json()["error"]["decline_code"] == "generic_decline"
    after = json.loads(_attr(_frame(server, pk, secret).text, "data-session"))
    assert after["lastPaymentError"] == {"message": "Your card was declined."}
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"

    paid = _pay(server, pk, pi_secret, "4242424242424242", back)
    assert paid.status_code == 200 and paid.json()["status"] == "succeeded"
    returned = httpx.get(back)
    assert returned.status_code == 303
    assert returned.headers["location"] == f"https://shop.example/complete?session_id={session.id}"

    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert done.customer_details is not None and done.customer_details.email == "jenny@example.com"
    assert isinstance(done.payment_intent, stripe.PaymentIntent) and done.payment_intent.status == "succeeded"
    completed = client.v1.events.list(params={"type": "checkout.session.completed"})
    assert [event.data.object["id"] for event in completed.data] == [session.id]
    # Once complete, the frame says so, and the email can no longer change.
    final = json.loads(_attr(_frame(server, pk, secret).text, "data-session"))
    assert final["status"] == {"type": "complete", "paymentStatus": "paid"} and final["canConfirm"] is False
    assert _email(server, secret, "other@example.com").status_code == 400


def test_a_return_unpaid_goes_back_to_the_shop_with_the_session_open(
    client: stripe.StripeClient, server: LynkServer
) -> None:
    session = _custom(client)
    returned = httpx.get(f"{server.base_url}/c/pay/{session.id}/return")
    assert returned.status_code == 303
    assert returned.headers["location"] == f"https://shop.example/complete?session_id={session.id}"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_an_email_the_shop_set_is_kept(server: LynkServer, client: stripe.StripeClient) -> None:
    session = _custom(client, customer_email="jenny@example.com")
    secret = session.client_secret or ""
    assert _email(server, secret, "jenny@example.com").status_code == 200
    assert _email(server, secret, "other@example.com").json()["error"]["code"] == "invalidEmail"


def test_a_browser_that_never_comes_back_leaves_the_session_to_the_upkeep(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    session = _custom(client)
    pi_secret = _attr(_frame(server, merchant.publishable_key, session.client_secret or "").text, "data-payment-secret")
    back = f"{server.base_url}/c/pay/{session.id}/return"
    paid = _pay(server, merchant.publishable_key, pi_secret, "4242424242424242", back)
    assert paid.status_code == 200 and paid.json()["status"] == "succeeded"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"  # the browser closed: no return
    server.call(lambda: maintenance.run_once(server.runtime))
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "paid")
    completed = client.v1.events.list(params={"type": "checkout.session.completed"})
    assert [event.data.object["id"] for event in completed.data] == [session.id]
