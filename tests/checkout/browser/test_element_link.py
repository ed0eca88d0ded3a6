"""Link in the elements (lynk.js), in Chromium: a shopper opts in at shop A's payment element and is recognised
at shop B's (another site), enters the code and pays with one click. The shops are on 127.0.0.1 and 127.0.0.2
and Lynk on localhost, so Lynk's frames are really third-party there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import pytest
import stripe
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page, expect

from lynk.link.accounts import redact_email
from tests.checkout.browser.conftest import axe_violations, screenshot
from tests.conftest import sdk_client
from tests.link.support import latest_code, messages, new_email, new_phone
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer

FRAME = "iframe[title='Secure payment input frame']"


@pytest.fixture(autouse=True)
def roomy_ip_limits(server: LynkServer) -> Iterator[None]:
    """Every shopper here comes from 127.0.0.1: raise the per-IP Link limits for these tests only."""
    settings = server.runtime.settings
    saved = settings.link_lookups_per_ip, settings.link_sends_per_ip
    settings.link_lookups_per_ip, settings.link_sends_per_ip = 100_000, 100_000
    try:
        yield
    finally:
        settings.link_lookups_per_ip, settings.link_sends_per_ip = saved


@pytest.fixture
def merchant_b(server: LynkServer) -> MerchantKeys:
    return make_merchant(server, "Shop B")


def lynk_origin(server: LynkServer) -> str:
    """Lynk by another host name than the shops' (localhost, not 127.0.0.1): its frames are cross-site."""
    return server.base_url.replace("127.0.0.1", "localhost")


def intent(client: stripe.StripeClient, amount: int = 2_500) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={"amount": amount, "currency": "usd", "payment_method_types": ["card", "link"]}
    )


def open_shop(
    page: Page, shop: str, server: LynkServer, keys: MerchantKeys, pi: stripe.PaymentIntent, **extra: str
) -> FrameLocator:
    query = urlencode({"lynk": lynk_origin(server), "pk": keys.publishable_key, "cs": pi.client_secret, **extra})
    page.goto(f"{shop}/link-shop?{query}")
    return page.frame_locator(FRAME)


def fill_card(form: FrameLocator, number: str = "4242 4242 4242 4242") -> None:
    form.get_by_label("Card number").fill(number)
    form.get_by_label("Expiration").fill("12 / 34")
    form.get_by_label("CVC").fill("123")


def pay(page: Page, expected: str = "status: succeeded") -> None:
    page.get_by_role("button", name="Pay now").click()
    expect(page.locator("#out")).to_have_text(expected)


def opt_in(page: Page, form: FrameLocator, email: str, phone: str) -> None:
    """A new shopper types her email (nobody yet), a card, ticks the opt-in and gives her phone."""
    form.get_by_label("Email").fill(email)
    form.get_by_label("Card number").click()  # leaving Email looks her up
    fill_card(form)
    form.get_by_label("Save my information for faster checkout").check()
    form.get_by_label("Phone number").fill(phone)
    screenshot(page, "element-link-opt-in-1280")
    pay(page)


def paid_with_link(client: stripe.StripeClient, pi_id: str) -> None:
    paid = client.v1.payment_intents.retrieve(pi_id)
    assert paid.status == "succeeded"
    [charge] = client.v1.charges.list(params={"payment_intent": pi_id}).data
    assert charge.payment_method_details is not None and charge.payment_method_details.type == "link"


def test_opt_in_at_shop_a_then_recognised_at_shop_b_pays_with_one_click(
    profile: Callable[[bool], BrowserContext],
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    merchant_b: MerchantKeys,
    shop_url: str,
    other_site_url: str,
) -> None:
    """Third-party cookies allowed: Lynk's cookie set in shop A's frame is read in shop B's (another site)."""
    page = profile(False).new_page()
    email, phone = new_email(), new_phone()
    pi_a = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi_a)
    src = page.locator(FRAME).get_attribute("src") or ""
    assert src.startswith(f"{lynk_origin(server)}/elements/payment?")
    opt_in(page, form, email, phone)
    assert client.v1.payment_intents.retrieve(pi_a.id).status == "succeeded"

    client_b = sdk_client(server, merchant_b.secret_key)
    pi_b = intent(client_b, 4_000)
    form = open_shop(page, other_site_url, server, merchant_b, pi_b)
    expect(form.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    expect(form.get_by_text(f"We recognised you as {redact_email(email)}")).to_be_visible()
    expect(form.get_by_label("Card number")).to_be_hidden()
    screenshot(page, "element-link-code-1280")
    form.get_by_label("Verification code").fill(latest_code(server, merchant_b, phone))
    expect(form.get_by_role("radio", name="Visa ending in 4242, expires 12/34 (default)")).to_be_checked()
    screenshot(page, "element-link-wallet-1280")
    pay(page)
    paid_with_link(client_b, pi_b.id)
    assert len(messages(server, merchant_b, phone)) == 1


def test_third_party_cookies_blocked_she_types_her_email_and_pays(
    profile: Callable[[bool], BrowserContext],
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    merchant_b: MerchantKeys,
    shop_url: str,
    other_site_url: str,
) -> None:
    """Third-party cookies blocked: the frame keeps only partitioned cookies (CHIPS), per shop's site. At shop B
    (another site) nothing recognises her; she types her email, enters the code and pays with her saved card."""
    context = profile(True)
    page = context.new_page()
    email, phone = new_email(), new_phone()
    form = open_shop(page, shop_url, server, merchant, intent(client))
    opt_in(page, form, email, phone)
    kept = [c for c in context.cookies() if c["name"] == "lynk_known"]
    assert kept and all(c.get("partitionKey") for c in kept)  # partitioned only: the browser refused the rest

    client_b = sdk_client(server, merchant_b.secret_key)
    pi_b = intent(client_b, 4_000)
    form = open_shop(page, other_site_url, server, merchant_b, pi_b)
    expect(form.get_by_label("Card number")).to_be_visible()
    expect(form.get_by_role("heading", name="Confirm it's you")).to_be_hidden()
    form.get_by_label("Email").fill(email)
    form.get_by_label("Email").press("Tab")
    expect(form.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    form.get_by_label("Verification code").fill(latest_code(server, merchant_b, phone))
    expect(form.get_by_role("radio", name="Visa ending in 4242, expires 12/34 (default)")).to_be_checked()
    pay(page)
    paid_with_link(client_b, pi_b.id)


def test_a_decline_shows_once_in_the_element_and_the_page_decides(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str
) -> None:
    pi = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi)
    fill_card(form, "4000 0000 0000 0002")
    pay(page, "not paid: card_declined")
    expect(form.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(page.get_by_text("Your card was declined.")).to_have_count(0)  # not on the shop's page: once, in the frame
    fill_card(form)
    pay(page)


def test_an_element_for_a_paid_intent_says_it_is_paid(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str
) -> None:
    pi = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi)
    fill_card(form)
    pay(page)
    page.reload()  # back after paying
    expect(form.get_by_role("status").first).to_have_text("This payment is complete. Nothing more to pay.")
    expect(form.get_by_text("You cannot confirm")).to_have_count(0)
    screenshot(page, "element-paid-1280")
    pay(page, "not paid: payment_intent_unexpected_state")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_link_element_states_pass_axe(
    browser: Browser,
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    axe_source: str,
    width: int,
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    pi = intent(client)
    query = urlencode({"key": merchant.publishable_key, "client_secret": pi.client_secret, "origin": server.base_url})
    page.goto(f"{server.base_url}/elements/payment?{query}")
    page.get_by_label("Save my information for faster checkout").check()
    screenshot(page, f"element-link-card-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page, axe_source) == []
    context.close()
