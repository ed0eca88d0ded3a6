"""The elements' Link calls (`/elements/link/…`) without a browser: what proves the frame (the client secret,
the browser's `Sec-Fetch-Site`), the partitioned cookies they set, and `enrolled`, which greets a browser only
for the account born of that very payment; and the element page of a paid PaymentIntent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.checkout.test_checkout_link_steps import signed_up
from tests.link.support import new_email
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


def intent(client: stripe.StripeClient, types: list[str] | None = None) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={"amount": 1_500, "currency": "usd", "payment_method_types": types or ["card", "link"]}
    )


def step(server: LynkServer, name: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    """As the frame on Lynk's origin calls it (here named `localhost`, a loopback host: cookies may be Secure)."""
    host = server.base_url.split("//")[1].replace("127.0.0.1", "localhost")
    given = {"Sec-Fetch-Site": "same-origin", "Host": host, **headers}
    return httpx.post(f"{server.base_url}/elements/link/{name}", json=body, headers=given)


def test_a_lookup_needs_the_client_secret_and_lynks_own_frame(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = intent(client)
    email, _phone = signed_up(server, merchant)
    wrong = step(server, "lookup", {"client_secret": f"{pi.id}_secret_wrong", "email": email})
    assert wrong.status_code == 404 and "set-cookie" not in wrong.headers
    foreign = step(
        server, "lookup", {"client_secret": pi.client_secret, "email": email}, **{"Sec-Fetch-Site": "cross-site"}
    )
    assert foreign.status_code == 403
    card_only = intent(client, ["card"])
    assert step(server, "lookup", {"client_secret": card_only.client_secret, "email": email}).status_code == 404
    assert step(server, "nothing", {"client_secret": pi.client_secret}).status_code == 404

    found = step(server, "lookup", {"client_secret": pi.client_secret, "email": email})
    assert found.status_code == 200 and found.json()["outcome"] == "found"
    cookies = found.headers.get_list("set-cookie")
    browser = [c for c in cookies if c.startswith("lynk_browser=")]
    assert len(browser) == 2  # once for browsers that keep third-party cookies, once partitioned (CHIPS)
    assert all("Secure" in c and "SameSite=none" in c and "HttpOnly" in c for c in browser)
    assert sum(c.endswith("; Partitioned") for c in browser) == 1


def test_enrolled_greets_only_the_account_born_of_this_payment(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    email, _phone = signed_up(server, merchant)  # an account that existed before: not born of the payment
    server.clock.advance(5)
    pi = intent(client)
    paid = client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    assert paid.status == "succeeded"
    answer = step(server, "enrolled", {"client_secret": pi.client_secret, "email": email})
    assert answer.json() == {"outcome": "not_enrolled"} and "set-cookie" not in answer.headers
    nobody = step(server, "enrolled", {"client_secret": pi.client_secret, "email": new_email()})
    assert nobody.json() == {"outcome": "not_enrolled"}


def test_the_element_of_a_paid_intent_says_it_is_paid(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = intent(client)
    client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    query = {"key": merchant.publishable_key, "client_secret": pi.client_secret, "origin": "https://shop.example"}
    page = httpx.get(f"{server.base_url}/elements/payment", params=query)
    assert page.status_code == 200
    assert "This payment is complete." in page.text and "card-number" not in page.text
    assert "cannot confirm" not in page.text


@pytest.mark.parametrize(
    ("params", "offered"),
    [
        ({"automatic_payment_methods[enabled]": "true"}, True),
        ({"payment_method_types[]": ["card", "link"]}, True),
        ({"payment_method_types[]": ["card"]}, False),
    ],
)
def test_the_payment_element_offers_link_when_the_intent_accepts_it(
    server: LynkServer, merchant: MerchantKeys, params: dict[str, Any], offered: bool
) -> None:
    created = httpx.post(
        f"{server.base_url}/v1/payment_intents",
        data={"amount": "1500", "currency": "usd", **params},
        auth=(merchant.secret_key, ""),
    )
    assert created.status_code == 200, created.text
    pi = created.json()
    query = {"key": merchant.publishable_key, "client_secret": pi["client_secret"], "origin": "https://shop.example"}
    page = httpx.get(f"{server.base_url}/elements/payment", params=query)
    assert page.status_code == 200
    assert ("Save my information for faster checkout" in page.text) is offered
    assert ("link_steps.js" in page.text) is offered


def test_opting_in_marks_a_browser_only_for_a_payment_waiting_for_3d_secure(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = intent(client)
    idle = step(server, "opting_in", {"client_secret": pi.client_secret})
    assert idle.json() == {"outcome": "not_held"} and "set-cookie" not in idle.headers
    waiting = client.v1.payment_intents.confirm(
        pi.id, params={"payment_method": "pm_card_threeDSecure2Required", "return_url": "https://shop.example/done"}
    )
    assert waiting.status == "requires_action"
    held = step(server, "opting_in", {"client_secret": pi.client_secret})
    assert held.json() == {"outcome": "held"}
    marks = [c for c in held.headers.get_list("set-cookie") if c.startswith("lynk_opt_in=")]
    assert len(marks) == 2 and sum(c.endswith("; Partitioned") for c in marks) == 1
