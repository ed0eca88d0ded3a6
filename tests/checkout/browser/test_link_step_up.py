"""Account takeover step-up on hosted checkout, in Chromium (issue 16 item 7): a shopper verified on a new
device from a new network who pays to a shipping address her account has not saved is asked for a second
code, then pays; from the device she used before, the same payment asks for nothing more."""

from __future__ import annotations

import re

import stripe
from playwright.sync_api import Page, expect

from tests.checkout.browser.test_link_checkout import enter_code, opt_in_at, pay_button
from tests.checkout.factories import make_session
from tests.link.support import account_from_another_network, latest_code, messages, new_email, new_phone
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


def _shipping_session(client: stripe.StripeClient, shop_url: str) -> stripe.checkout.Session:
    return make_session(
        client,
        payment_method_types=["card", "link"],
        shipping_address_collection={"allowed_countries": ["US", "IE"]},
        success_url=f"{shop_url}/success?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{shop_url}/cart",
    )


def _ship_to(page: Page, line1: str) -> None:
    page.locator("#shipping-name").fill("Ada Shopper")
    page.locator("#shipping-line1").fill(line1)
    page.locator("#shipping-city").fill("Dublin")
    page.locator("#shipping-postal-code").fill("D02 XY45")
    page.locator("#shipping-country").select_option("IE")


def _sign_in(page: Page, server: LynkServer, merchant: MerchantKeys, email: str, phone: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    enter_code(page, server, merchant, phone)
    expect(page.get_by_role("radio", name=re.compile(r"^Visa ending in 4242"))).to_be_checked()


def test_a_new_device_on_a_new_network_confirms_a_new_code_then_pays(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys, shop_url: str
) -> None:
    email, phone = account_from_another_network(server, merchant)
    session = _shipping_session(client, shop_url)
    page.goto(session.url or "")
    _sign_in(page, server, merchant, email, phone)
    sent = len(messages(server, merchant, phone))
    _ship_to(page, "99 Drop Lane")
    pay_button(page).click()

    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    expect(page.get_by_text(re.compile(r"confirm it's you again: we sent a new code"))).to_be_visible()
    expect(page.get_by_label("Verification code")).to_be_focused()
    assert len(messages(server, merchant, phone)) == sent + 1  # a new code was sent
    page.get_by_label("Verification code").fill(latest_code(server, merchant, phone))
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")

    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert paid.status == "complete"
    assert paid.shipping_details is not None and paid.shipping_details.address.line1 == "99 Drop Lane"  # type: ignore[union-attr]


def test_her_known_device_pays_to_a_new_address_without_a_second_code(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys, shop_url: str
) -> None:
    email, phone = new_email(), new_phone()
    opt_in_at(page, client, shop_url, email, phone)  # her account is born on this device
    session = _shipping_session(client, shop_url)
    page.goto(session.url or "")  # recognised by the cookie this device kept: the code step at once
    enter_code(page, server, merchant, phone)
    expect(page.get_by_role("radio", name=re.compile(r"^Visa ending in 4242"))).to_be_checked()
    sent = len(messages(server, merchant, phone))
    _ship_to(page, "7 Other Road")
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
    assert len(messages(server, merchant, phone)) == sent  # no second code
