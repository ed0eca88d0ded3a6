"""The payment element (`lynk.js`) on the example merchant's page, in Chromium: the card form lives in
an iframe from Lynk's origin, and confirmPayment pays and returns to the shop."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
import stripe
from playwright.sync_api import Browser, Page, expect

from tests.checkout.browser.conftest import axe_violations, example_shop, screenshot
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


@pytest.fixture
def shop(server: LynkServer, merchant: MerchantKeys) -> Iterator[str]:
    """The example merchant from examples/, run as a newcomer runs it, pointed at the test server."""
    with example_shop(server, merchant) as url:
        yield url


def frame(page: Page):  # type: ignore[no-untyped-def]
    return page.frame_locator("iframe[title='Secure payment input frame']")


def fill(page: Page, number: str) -> None:
    form = frame(page)
    form.get_by_label("Card number").fill(number)
    form.get_by_label("Expiration").fill("12 / 34")
    form.get_by_label("CVC").fill("123")


def test_the_element_on_the_example_page_pays(
    page: Page, shop: str, server: LynkServer, client: stripe.StripeClient
) -> None:
    page.goto(shop)
    iframe = page.locator("iframe[title='Secure payment input frame']")
    src = iframe.get_attribute("src") or ""
    assert src.startswith(f"{server.base_url}/elements/payment?")  # the form is on Lynk's origin, not the shop's
    fill(page, "4242 4242 4242 4242")
    screenshot(page, "element-example-shop-1280")
    page.get_by_role("button", name="Pay $20.00").click()
    page.wait_for_url(f"{shop}/done?*redirect_status=succeeded*")
    pi_id = page.url.split("payment_intent=")[1].split("&")[0]
    assert client.v1.payment_intents.retrieve(pi_id).status == "succeeded"
    expect(page.get_by_role("heading", name="Thanks for your order!")).to_be_visible()


def test_a_decline_shows_once_in_the_element_not_again_in_the_shop(page: Page, shop: str) -> None:
    page.goto(shop)
    fill(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Pay $20.00").click()
    expect(frame(page).get_by_role("alert")).to_have_text("Your card was declined.")
    expect(page.get_by_role("button", name="Pay $20.00")).to_be_enabled()  # confirmPayment has answered
    expect(page.locator("#message")).to_have_text("")
    expect(page.get_by_text("Your card was declined.")).to_have_count(0)  # the page's own text, frame aside
    fill(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Pay $20.00").click()
    page.wait_for_url(f"{shop}/done?*redirect_status=succeeded*")


def test_hosted_checkout_from_the_example_shop(page: Page, shop: str) -> None:
    page.goto(shop)
    page.get_by_role("button", name="Or check out on Lynk's hosted page").click()
    expect(page.get_by_role("heading", name="Order summary")).to_be_visible()
    page.get_by_label("Email").fill("shopper@example.com")
    page.get_by_label("Card number").fill("4242424242424242")
    page.get_by_label("Expiration").fill("1234")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Pay $20.00").click()
    page.wait_for_url(f"{shop}/done?session_id=cs_test_*")


def test_redirect_if_required_returns_the_payment_intent(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str
) -> None:
    pi = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "usd"})
    query = urlencode({"lynk": server.base_url, "pk": merchant.publishable_key, "cs": pi.client_secret})
    page.goto(f"{shop_url}/if-required?{query}")
    page.get_by_role("button", name="Pay now").click()
    expect(page.locator("#out")).to_have_text("error: Your card number is incomplete.")
    fill(page, "4242424242424242")
    page.get_by_role("button", name="Pay now").click()
    expect(page.locator("#out")).to_have_text("status: succeeded")
    assert page.url.startswith(f"{shop_url}/if-required?")
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


@pytest.mark.parametrize("trusted", [False, True])
def test_the_element_listens_only_to_its_parent_origin(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str, trusted: bool
) -> None:
    """Framed by a page of another origin than the one it was set up for, the element ignores that page's
    confirm; set up for that page's origin (the control), the same message pays."""
    pi = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "usd"})
    origin = shop_url if trusted else "https://shop.example"
    element = f"{server.base_url}/elements/payment?" + urlencode(
        {"key": merchant.publishable_key, "client_secret": pi.client_secret, "origin": origin}
    )
    page.goto(f"{shop_url}/intruder?" + urlencode({"src": element}))
    form = page.frame_locator("iframe[title=element]")
    form.get_by_label("Card number").fill("4242424242424242")
    form.get_by_label("Expiration").fill("12 / 34")
    form.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Go").click()
    if trusted:
        expect(form.get_by_role("status")).to_have_text("")  # the attempt ran and finished
        for _ in range(100):
            if client.v1.payment_intents.retrieve(pi.id).status == "succeeded":
                break
            page.wait_for_timeout(100)
    else:
        page.wait_for_timeout(1_500)  # long enough for an attempt that should never start
    expected = "succeeded" if trusted else "requires_payment_method"
    assert client.v1.payment_intents.retrieve(pi.id).status == expected


def test_the_element_page_refuses_a_bad_setup(server: LynkServer) -> None:
    bad = httpx.get(f"{server.base_url}/elements/payment", params={"key": "sk_test_x", "client_secret": "x"})
    assert bad.status_code == 404
    unknown = {"key": "pk_test_x", "client_secret": "pi_x_secret_y", "origin": "https://shop.example"}
    assert httpx.get(f"{server.base_url}/elements/payment", params=unknown).status_code == 404
    script = httpx.get(f"{server.base_url}/js/v1/lynk.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_element_form_has_no_serious_axe_violations(
    browser: Browser,
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    axe_source: str,
    width: int,
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 600}, bypass_csp=True)
    page = context.new_page()
    pi = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "usd"})
    query = urlencode({"key": merchant.publishable_key, "client_secret": pi.client_secret, "origin": server.base_url})
    page.goto(f"{server.base_url}/elements/payment?{query}")
    expect(page.get_by_label("Card number")).to_be_visible()
    screenshot(page, f"element-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page, axe_source) == []
    context.close()
