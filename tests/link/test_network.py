"""The network effect over HTTP: a shopper saves a card at merchant A and pays in one call at merchant B."""

from __future__ import annotations

import httpx
import stripe

from tests.card_numbers import shows
from tests.conftest import sdk_client
from tests.link.support import Browser, link_intent, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer


def test_saved_at_a_paid_at_b_in_one_call(server: LynkServer) -> None:
    shop_a, shop_b = make_merchant(server), make_merchant(server)
    email, phone = new_email(), new_phone()

    # At merchant A a new shopper pays by card and opts in: the account is born with that card.
    paid = pay_and_opt_in(server, shop_a, email.upper(), phone)
    assert paid["status"] == "succeeded"

    # At merchant B, in another browser, the same email is recognised, redacted.
    browser = Browser(server, shop_b)
    found = browser.lookup(email)
    assert found.status_code == 200, found.text
    session = found.json()["consumer_session"]
    assert found.json()["exists"] is True
    assert session["status"] == "unverified"
    assert session["redacted_phone"].endswith(phone[-2:]) and phone not in found.text
    assert email not in found.text
    assert "lynk_browser" in found.headers["set-cookie"] and "HttpOnly" in found.headers["set-cookie"]

    # Wallet calls need a verified session.
    refused = browser.post("/v1/link/payment_details/list")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "consumer_session_not_verified"

    # The code goes to the phone by default; B reads it from the test-message endpoint.
    assert browser.verify(phone)["status"] == "verified"
    listed = browser.post("/v1/link/payment_details/list").json()["data"]
    assert [(d["card"]["last4"], d["card"]["brand"], d["is_default"]) for d in listed] == [("4242", "visa", True)]

    # The shopper pays in one call, off-session use allowed for later.
    intent = link_intent(server, shop_b)
    response = pay_with_link(browser, intent, setup_future_usage="off_session")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "succeeded"

    client_b = sdk_client(server, shop_b.secret_key)
    pi = client_b.v1.payment_intents.retrieve(intent["id"])
    method = client_b.v1.payment_methods.retrieve(str(pi.payment_method))
    assert method.type == "link"
    assert method.link is not None and method.link.email == email
    assert "card" not in method or method.get("card") is None
    listed = client_b.v1.payment_methods.list(params={"type": "link"}).data
    assert [m.id for m in listed] == [method.id]
    charge = client_b.v1.charges.retrieve(str(pi.latest_charge))
    assert charge.payment_method_details is not None
    assert charge.payment_method_details.type == "link"
    assert not shows(str(charge), "4242") and not shows(str(method), "4242")

    # Neither merchant reads the other's objects.
    client_a = sdk_client(server, shop_a.secret_key)
    for retrieve, object_id in (
        (client_a.v1.payment_intents.retrieve, intent["id"]),
        (client_a.v1.payment_methods.retrieve, method.id),
        (client_a.v1.charges.retrieve, charge.id),
        (client_b.v1.payment_intents.retrieve, paid["id"]),
        (client_b.v1.payment_methods.retrieve, paid["payment_method"]),
    ):
        try:
            retrieve(object_id)
        except stripe.InvalidRequestError as error:
            assert error.http_status == 404
        else:
            raise AssertionError(f"{object_id} was readable by the other merchant")


def test_an_existing_email_is_never_enrolled_again(server: LynkServer) -> None:
    shop_a, shop_b = make_merchant(server), make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop_a, email, phone)
    # Someone else opts in with the same email and another card: the payment succeeds, the account is untouched.
    again = pay_and_opt_in(server, shop_b, email, new_phone(), number="5555555555554444")
    assert again["status"] == "succeeded"
    browser = Browser(server, shop_b)
    browser.login(email, phone)
    listed = browser.post("/v1/link/payment_details/list").json()["data"]
    assert [d["card"]["last4"] for d in listed] == ["4242"]


def test_unknown_email_is_not_recognised(server: LynkServer) -> None:
    browser = Browser(server, make_merchant(server))
    found = browser.lookup(new_email())
    assert found.json() == {"object": "link.lookup", "exists": False, "consumer_session": None}
    bad = browser.post("/v1/link/consumers/lookup", {"email_address": "not-an-email"}, with_secret=False)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "email"


def test_link_needs_link_in_payment_method_types(server: LynkServer) -> None:
    shop = make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop, email, phone)
    browser = Browser(server, shop)
    browser.login(email, phone)
    intent = httpx.post(
        f"{server.base_url}/v1/payment_intents",
        data={"amount": "1000", "currency": "usd"},
        auth=(shop.secret_key, ""),
    ).json()
    refused = pay_with_link(browser, intent)
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "payment_method_data[type]"


def _opt_in_with_3ds(server: LynkServer, outcome: str) -> tuple[str, str, str]:
    shop = make_merchant(server)
    email, phone = new_email(), new_phone()
    pending = pay_and_opt_in(server, shop, email, phone, number="4000002760003184")
    assert pending["status"] == "requires_action"
    url = pending["next_action"]["redirect_to_url"]["url"]
    secret = url.split("client_secret=")[1]
    httpx.post(f"{server.base_url}/3ds/{pending['id']}", data={"client_secret": secret, "outcome": outcome})
    return email, phone, shop.id


def test_opt_in_survives_3d_secure(server: LynkServer) -> None:
    email, phone, _shop = _opt_in_with_3ds(server, "complete")
    browser = Browser(server, make_merchant(server))
    browser.login(email, phone)
    assert [d["card"]["last4"] for d in browser.post("/v1/link/payment_details/list").json()["data"]] == ["3184"]


def test_opt_in_is_dropped_when_3d_secure_fails(server: LynkServer) -> None:
    email, _phone, _shop = _opt_in_with_3ds(server, "fail")
    assert Browser(server, make_merchant(server)).lookup(email).json()["exists"] is False
