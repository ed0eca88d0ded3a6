"""Embedded Checkout in Chromium: a shop on another site mounts the form with lynk.js, the shopper pays
in the frame (without Lynk's cookies, as browsers frame other sites), and the shop's page moves on to
the session's return_url."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
import stripe
from playwright.sync_api import Page, expect

from tests.checkout.factories import make_session
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


@pytest.mark.parametrize(
    ("method", "ui_mode"), [("initEmbeddedCheckout", "embedded"), ("createEmbeddedCheckoutPage", "embedded_page")]
)
def test_a_shop_mounts_embedded_checkout_and_the_shopper_pays(
    page: Page,
    server: LynkServer,
    client: stripe.StripeClient,
    merchant: MerchantKeys,
    shop_url: str,
    method: str,
    ui_mode: str,
) -> None:
    # The shop is served as `localhost`, Lynk as 127.0.0.1: two sites, so the frame is a third party.
    shop = shop_url.replace("127.0.0.1", "localhost")
    assert urlsplit(server.base_url).hostname != "localhost"
    session = make_session(
        client,
        ui_mode=ui_mode,
        return_url=f"{shop}/return?session_id={{CHECKOUT_SESSION_ID}}",
        success_url=None,
        cancel_url=None,
        submit_type="book",
    )
    query = urlencode(
        {"lynk": server.base_url, "pk": merchant.publishable_key, "cs": session.client_secret, "method": method}
    )
    page.goto(f"{shop}/embedded?{query}")
    form = page.frame_locator("iframe[title='Checkout']")
    expect(form.get_by_role("heading", name="Order summary")).to_be_visible()
    form.get_by_label("Email").fill("jenny@example.com")
    form.get_by_label("Card number").fill("4242424242424242")
    form.get_by_label("Expiration").fill("12 / 34")
    form.get_by_label("CVC").fill("123")
    form.get_by_role("button", name="Book $35.00").click()
    page.wait_for_url(f"{shop}/return?session_id={session.id}", timeout=60_000)
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "paid")
