"""The page layer (lynk.web) under the checkout and account pages: CSRF on every POST, with the browser's
`Sec-Fetch-Site` heard on both (a cross-site post with a stolen token is refused), and a page action sent
twice with its key runs once."""

from __future__ import annotations

import uuid

import stripe

from tests.account.support import AccountBrowser
from tests.checkout.factories import Shopper, make_session
from tests.servers import LynkServer


def test_a_checkout_post_from_another_site_is_refused_even_with_the_token(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    session = make_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    shopper.http.headers["Sec-Fetch-Site"] = "cross-site"
    assert shopper.pay(session.id).status_code == 403
    shopper.http.headers["Sec-Fetch-Site"] = "same-origin"
    assert shopper.pay(session.id).json()["outcome"] == "succeeded"


def test_a_checkout_payment_sent_twice_with_its_key_is_paid_once(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    session = make_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    attempt = str(uuid.uuid4())
    first, second = shopper.pay(session.id, attempt=attempt), shopper.pay(session.id, attempt=attempt)
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    intents = client.v1.payment_intents.list()
    assert [pi.status for pi in intents.data] == ["succeeded"]


def test_an_account_form_from_another_site_is_refused(server: LynkServer) -> None:
    browser = AccountBrowser(server)
    token = browser.csrf()
    refused = browser.http.post(
        "/test/account/login",
        data={"email": "x@example.com", "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert refused.status_code == 403 and "This page has expired" in refused.text
    assert browser.post("/login", {"email": "nobody@example.com"}).status_code == 404  # the form itself is fine
