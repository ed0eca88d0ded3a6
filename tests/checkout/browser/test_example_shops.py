"""The two example shops of examples/merchant in Chromium (issue 12 items 6, 12, 13): a shopper opts in to
Link at shop A through hosted checkout and pays in one click at shop B, which the browser recognises; the
shop's return page asks Lynk how the payment went (a failed 3-D Secure is not "Thanks for your order!");
branded pages with amounts for people; a 250-letter product name does not widen the page. Every page
changed is screenshotted at 375 and 1280 px and checked with axe-core."""

from __future__ import annotations

import re

import stripe
from playwright.sync_api import Browser, Page, expect

from tests.checkout.browser.conftest import axe_violations, example_shop, screenshot
from tests.checkout.factories import make_session
from tests.conftest import sdk_client
from tests.link.support import latest_code, new_email, new_phone
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer

WIDTHS = (375, 1280)
ELEMENT_FRAME = "iframe[title='Secure payment input frame']"


def brand(client: stripe.StripeClient, **branding: str) -> None:
    params = {f"settings[branding][{name}]": value for name, value in branding.items()}
    client.raw_request("post", "/v1/account", **params)


def check_page(browser: Browser, url: str, name: str, axe: str) -> None:
    """Screenshots at 375 and 1280 px, no sideways scrolling, and no serious axe-core violation."""
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}"
        screenshot(page, f"{name}-{width}")
        assert axe_violations(page, axe) == [], name
        context.close()


def hosted_checkout_from(page: Page, shop: str) -> None:
    page.goto(shop)
    page.get_by_role("button", name="Or check out on Lynk's hosted page").click()
    expect(page.get_by_role("heading", name="Order summary")).to_be_visible()


def test_opt_in_at_shop_a_then_one_click_at_shop_b(
    browser: Browser, server: LynkServer, merchant: MerchantKeys, axe_source: str
) -> None:
    bakery = make_merchant(server, "Lynk Demo Bakery")
    brand(sdk_client(server, bakery.secret_key), primary_color="#b5451b")
    with example_shop(server, merchant) as shop_a, example_shop(server, bakery, second=True) as shop_b:
        check_page(browser, shop_a, "example-shop-a", axe_source)
        check_page(browser, shop_b, "example-shop-b", axe_source)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        email, phone = new_email(), new_phone()
        hosted_checkout_from(page, shop_a)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Card number").click()  # leaving Email looks the shopper up: nobody yet
        expect(page.get_by_label("Save my information for faster checkout")).to_be_visible()
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        page.get_by_label("Expiration").fill("12 / 34")
        page.get_by_label("CVC").fill("123")
        page.get_by_label("Name on card").fill("Ada Shopper")
        page.get_by_label("Save my information for faster checkout").check()
        page.get_by_label("Phone number").fill(phone)
        page.get_by_role("button", name="Pay $20.00").click()
        page.wait_for_url(f"{shop_a}/done?session_id=cs_test_*")
        expect(page.get_by_role("heading", name="Thanks for your order!")).to_be_visible()
        expect(page.get_by_text("We received your payment of $20.00.")).to_be_visible()
        check_page(browser, page.url, "example-shop-done", axe_source)

        hosted_checkout_from(page, shop_b)  # the same browser, at another merchant
        expect(page.get_by_text("Lynk Demo Bakery", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
        page.get_by_label("Verification code").fill(latest_code(server, bakery, phone))
        expect(page.get_by_role("radio", name="Visa ending in 4242, expires 12/34 (default)")).to_be_checked()
        pay = page.get_by_role("button", name="Pay $8.50")
        assert pay.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(181, 69, 27)"  # the bakery's colour
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"example-shop-b-recognised-{width}")
        pay.click()
        page.wait_for_url(f"{shop_b}/done?session_id=cs_test_*")
        expect(page.get_by_role("heading", name="Thanks for your order!")).to_be_visible()
        expect(page.get_by_text("We received your payment of $8.50.")).to_be_visible()
        session_id = page.url.split("session_id=")[1]
        paid = sdk_client(server, bakery.secret_key).v1.checkout.sessions.retrieve(session_id)
        assert paid.payment_status == "paid" and paid.customer_details is not None
        assert paid.customer_details.email == email
        context.close()


def test_a_failed_3ds_is_not_thanks_on_the_shops_return_page(
    browser: Browser,
    page: Page,
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    axe_source: str,
) -> None:
    brand(client, primary_color="#0b6e4f")
    with example_shop(server, merchant) as shop:
        intent = client.v1.payment_intents.create(
            params={
                "amount": 99_999_999,
                "currency": "usd",
                "payment_method_types": ["card", "link"],
                "payment_method_data": {
                    "type": "card",
                    "card": {"number": "4000000000003220", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
                },  # type: ignore[typeddict-item]
                "confirm": True,
                "return_url": f"{shop}/done",
            }
        )
        assert intent.status == "requires_action" and intent.next_action is not None
        challenge = intent.next_action.redirect_to_url.url  # type: ignore[union-attr]
        page.goto(challenge)
        expect(page.get_by_text(re.compile(r"confirm this payment of \$999,999\.99 to Test merchant"))).to_be_visible()
        expect(page.get_by_text("ending in 3220")).to_be_visible()
        check_page(browser, challenge, "challenge-branded", axe_source)
        page.get_by_role("button", name="Fail authentication").click()
        page.wait_for_url(f"{shop}/done?*redirect_status=failed*")
        expect(page.get_by_role("heading", name="Payment not completed")).to_be_visible()
        expect(page.get_by_text("Thanks for your order!")).to_have_count(0)
        check_page(browser, page.url, "example-shop-failed", axe_source)


def test_a_long_name_wraps_and_the_pages_show_the_merchant_and_the_amount(
    browser: Browser, client: stripe.StripeClient, merchant: MerchantKeys, axe_source: str
) -> None:
    logo = "data:image/png;base64," + _TINY_PNG
    brand(client, primary_color="#4b44d6", logo=logo)
    name = "Ü" * 5 + "x" * 245  # 250 letters, no space
    session = make_session(
        client,
        line_items=[
            {
                "price_data": {"currency": "usd", "unit_amount": 99_999_999, "product_data": {"name": name}},
                "quantity": 1,
            }
        ],
        success_url=None,
        cancel_url=None,
    )
    check_page(browser, session.url or "", "checkout-branded-long-name", axe_source)
    context = browser.new_context(viewport={"width": 375, "height": 900})
    page = context.new_page()
    page.goto(session.url or "")
    expect(page.get_by_role("img", name=re.compile("Test merchant"))).to_be_visible()
    expect(page.locator("#total")).to_have_text("$999,999.99")
    assert page.locator(".item-name").get_attribute("title") == name
    page.get_by_label("Email").fill("jenny@example.com")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiration").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Pay $999,999.99").click()
    expect(page.get_by_role("heading", name="Payment complete")).to_be_visible()
    expect(page.get_by_text(re.compile(r"your payment of \$999,999\.99 to Test merchant"))).to_be_visible()
    check_page(browser, page.url, "checkout-success-branded", axe_source)
    context.close()


# A 1 by 1 PNG (a real image: the data URL's bytes are checked).
_TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def test_opt_in_through_shop_as_element_then_one_click_in_shop_bs_element(
    browser: Browser, server: LynkServer, merchant: MerchantKeys, axe_source: str
) -> None:
    """Issue 19 on the example shops: a new shopper opts in through shop A's payment element; shop B's element
    recognises the browser, asks for the code and pays with her saved card in one click."""
    bakery = make_merchant(server, "Lynk Demo Bakery")
    with example_shop(server, merchant) as shop_a, example_shop(server, bakery, second=True) as shop_b:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        email, phone = new_email(), new_phone()
        page.goto(shop_a)
        form = page.frame_locator(ELEMENT_FRAME)
        form.get_by_label("Email").fill(email)
        form.get_by_label("Card number").click()  # leaving Email looks her up: nobody yet
        form.get_by_label("Card number").fill("4242 4242 4242 4242")
        form.get_by_label("Expiration").fill("12 / 34")
        form.get_by_label("CVC").fill("123")
        form.get_by_label("Save my information for faster checkout").check()
        form.get_by_label("Phone number").fill(phone)
        page.get_by_role("button", name="Pay $20.00").click()
        page.wait_for_url(f"{shop_a}/done?*redirect_status=succeeded*")
        expect(page.get_by_role("heading", name="Thanks for your order!")).to_be_visible()

        page.goto(shop_b)  # the same browser, at another merchant's element
        form = page.frame_locator(ELEMENT_FRAME)
        expect(form.get_by_role("heading", name="Confirm it's you")).to_be_visible()
        form.get_by_label("Verification code").fill(latest_code(server, bakery, phone))
        expect(form.get_by_role("radio", name="Visa ending in 4242, expires 12/34 (default)")).to_be_checked()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"example-shop-b-element-recognised-{width}")
            assert axe_violations(page, axe_source) == []
        page.get_by_role("button", name="Pay $8.50").click()
        page.wait_for_url(f"{shop_b}/done?*redirect_status=succeeded*")
        expect(page.get_by_text("We received your payment of $8.50.")).to_be_visible()
        intent_id = re.search(r"payment_intent=(pi_[A-Za-z0-9_]+)", page.url)
        assert intent_id is not None
        paid = sdk_client(server, bakery.secret_key).v1.payment_intents.retrieve(
            intent_id.group(1), params={"expand": ["latest_charge"]}
        )
        charge = paid.latest_charge
        assert paid.status == "succeeded" and isinstance(charge, stripe.Charge)
        assert charge.payment_method_details is not None and charge.payment_method_details.type == "link"
        context.close()
