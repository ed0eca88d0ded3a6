"""Link in the elements (lynk.js), in Chromium: a shopper opts in at shop A's payment element and is recognised
at shop B's (another site), enters the code and pays with one click. The shops are on 127.0.0.1 and 127.0.0.2
and Lynk on localhost, so Lynk's frames are really third-party there."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
import stripe
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page, expect

from lynk.link.accounts import redact_email
from tests.checkout.browser.conftest import axe_violations, screenshot
from tests.checkout.browser.test_link_checkout import wallet_account
from tests.conftest import sdk_client
from tests.link.support import latest_code, messages, new_email, new_phone
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

FRAME = "iframe[title='Secure payment input frame']"


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


def opted_in_at_shop_a(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str
) -> tuple[str, str]:
    """A new shopper pays at shop A's payment element (in Lynk's third-party frame) and opts in."""
    email, phone = new_email(), new_phone()
    pi = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi)
    src = page.locator(FRAME).get_attribute("src") or ""
    assert src.startswith(f"{lynk_origin(server)}/elements/payment?")
    opt_in(page, form, email, phone)
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"
    return email, phone


def sign_in(where: Page | FrameLocator, server: LynkServer, keys: MerchantKeys, email: str, phone: str) -> None:
    """She types her email, leaves the box (the lookup), and enters the code sent once the code step shows."""
    where.get_by_label("Email").fill(email)
    where.get_by_label("Email").press("Tab")
    expect(where.get_by_label("Verification code")).to_be_focused()  # the code is sent: read it now
    where.get_by_label("Verification code").fill(latest_code(server, keys, phone))


def paid_with_link(client: stripe.StripeClient, pi_id: str) -> None:
    paid = client.v1.payment_intents.retrieve(pi_id)
    assert paid.status == "succeeded"
    [charge] = [c for c in client.v1.charges.list(params={"payment_intent": pi_id}).data if c.status == "succeeded"]
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
    email, phone = opted_in_at_shop_a(page, server, merchant, client, shop_url)

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
    email, phone = opted_in_at_shop_a(page, server, merchant, client, shop_url)
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


def test_a_declined_saved_card_then_another_in_the_element(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant, ["4000000000000002", "5555555555554444"])
    pi = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi)
    sign_in(form, server, merchant, email, phone)
    expect(form.get_by_role("radio", name=re.compile(r"ending in 0002.*\(default\)"))).to_be_checked()
    pay(page, "not paid: card_declined")
    message = "Your card was declined. Choose another saved card or pay another way."
    expect(form.get_by_role("alert")).to_have_text(message)
    expect(page.get_by_text("Your card was declined.")).to_have_count(0)
    screenshot(page, "element-link-declined-1280")
    form.get_by_role("radio", name=re.compile("Mastercard ending in 4444")).check()
    pay(page)
    paid_with_link(client, pi.id)


def test_a_saved_card_with_3d_secure_pays_through_the_challenge_and_returns_to_the_shop(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant, ["4000000000003220"])
    pi = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi, **{"return": f"{shop_url}/done"})
    sign_in(form, server, merchant, email, phone)
    expect(form.get_by_role("radio", name=re.compile("ending in 3220"))).to_be_checked()
    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_text("ending in 3220")).to_be_visible()  # Lynk's 3-D Secure page, top-level
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(f"{shop_url}/done?*redirect_status=succeeded*")
    paid_with_link(client, pi.id)


def test_an_opt_in_with_3d_secure_greets_the_browser_when_the_element_shows_the_paid_intent(
    profile: Callable[[bool], BrowserContext],
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    shop_url: str,
) -> None:
    context = profile(True)
    page = context.new_page()
    email, phone = new_email(), new_phone()
    pi = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi, **{"return": f"{shop_url}/done"})
    form.get_by_label("Email").fill(email)
    fill_card(form, "4000 0000 0000 3220")
    form.get_by_label("Save my information for faster checkout").check()
    form.get_by_label("Phone number").fill(phone)
    page.get_by_role("button", name="Pay now").click()
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(f"{shop_url}/done?*redirect_status=succeeded*")
    assert not [c for c in context.cookies() if c["name"] == "lynk_known"]

    form = open_shop(page, shop_url, server, merchant, pi)  # the shop shows its element for the paid intent
    expect(form.get_by_text("This payment is complete.")).to_be_visible()
    for _ in range(100):  # the frame greets this browser in the background
        if [c for c in context.cookies() if c["name"] == "lynk_known"]:
            break
        page.wait_for_timeout(100)
    form = open_shop(page, shop_url, server, merchant, intent(client))
    expect(form.get_by_text(f"We recognised you as {redact_email(email)}")).to_be_visible()


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
    """Each new state, opened directly: the card form with the opt-in, the code step, the saved details, the
    email element, the express popup, and an element whose intent is paid; no horizontal scroll."""
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    pi = intent(client)
    query = urlencode({"key": merchant.publishable_key, "client_secret": pi.client_secret, "origin": server.base_url})

    def check(name: str) -> None:
        screenshot(page, f"element-{name}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        assert axe_violations(page, axe_source) == [], name

    page.goto(f"{server.base_url}/elements/payment?{query}")
    page.get_by_label("Save my information for faster checkout").check()
    check("link-card")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").press("Tab")
    expect(page.get_by_label("Verification code")).to_be_focused()
    check("link-code")
    page.get_by_label("Verification code").fill(latest_code(server, merchant, phone))
    expect(page.get_by_role("radio", name=re.compile("Visa ending in 4242"))).to_be_checked()
    check("link-wallet")
    page.goto(f"{server.base_url}/elements/link_authentication?{query}")
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()  # recognised: the code step
    check("link-authentication")
    page.goto(f"{server.base_url}/elements/express?{query}")
    expect(page.get_by_role("heading", name="Pay with Lynk")).to_be_visible()
    check("express")
    client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    page.goto(f"{server.base_url}/elements/payment?{query}")
    expect(page.get_by_text("This payment is complete.")).to_be_visible()
    check("paid")
    context.close()


def test_third_party_cookies_blocked_storage_access_recognises_her_by_lynks_own_cookie(
    profile: Callable[[bool], BrowserContext],
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    other_site_url: str,
) -> None:
    """Third-party cookies blocked, but the browser grants the frame storage access (the Storage Access API; the
    grant is given here through the DevTools protocol, as a browser does after its prompt): on her first click
    in the frame, the element reads the cookie Lynk's own page left, and recognises her."""
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    context = profile(True)
    page = context.new_page()
    first = intent(client)  # she used Lynk first-party before: Lynk's page, top-level, remembers her
    query = urlencode({"key": merchant.publishable_key, "client_secret": first.client_secret, "origin": other_site_url})
    page.goto(f"{lynk_origin(server)}/elements/express?{query}")
    sign_in(page, server, merchant, email, phone)
    expect(page.get_by_role("radio", name=re.compile("ending in 4242"))).to_be_checked()

    pi = intent(client)
    form = open_shop(page, other_site_url, server, merchant, pi)
    expect(form.get_by_label("Card number")).to_be_visible()
    expect(form.get_by_role("heading", name="Confirm it's you")).to_be_hidden()  # blocked: no cookie yet
    grant = {"name": "storage-access"}
    context.new_cdp_session(page).send(
        "Browser.setPermission",
        {"permission": grant, "setting": "granted", "origin": other_site_url, "embeddedOrigin": lynk_origin(server)},
    )
    form.get_by_label("Card number").click()  # her first click in the frame asks for storage access
    expect(form.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    expect(form.get_by_text(f"We recognised you as {redact_email(email)}")).to_be_visible()
    form.get_by_label("Verification code").fill(latest_code(server, merchant, phone))
    expect(form.get_by_role("radio", name=re.compile("ending in 4242"))).to_be_checked()
    pay(page)
    paid_with_link(client, pi.id)


def test_third_party_cookies_blocked_remember_this_device_skips_the_code_at_that_shop(
    profile: Callable[[bool], BrowserContext],
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    shop_url: str,
) -> None:
    """Remember this device, in the frame (a partitioned `lynk_device`): her next payment at that shop's site
    opens on her saved details without a code."""
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    page = profile(True).new_page()
    form = open_shop(page, shop_url, server, merchant, intent(client))
    form.get_by_label("Email").fill(email)
    form.get_by_label("Email").press("Tab")
    expect(form.get_by_label("Verification code")).to_be_focused()
    form.get_by_label("Remember this device").check()
    form.get_by_label("Verification code").fill(latest_code(server, merchant, phone))
    expect(form.get_by_role("radio", name=re.compile("ending in 4242"))).to_be_checked()
    pay(page)
    sent = len(messages(server, merchant, phone))

    pi = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi)
    expect(form.get_by_role("radio", name=re.compile("ending in 4242"))).to_be_checked()  # no code this time
    expect(form.get_by_label("Verification code")).to_be_hidden()
    pay(page)
    paid_with_link(client, pi.id)
    assert len(messages(server, merchant, phone)) == sent  # no code sent for the second visit


def test_link_authentication_element_recognises_her_and_the_payment_element_pays(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str
) -> None:
    """The email element runs the code step; the page hears `change` with the email; the payment element then
    shows her saved details without asking again, and pays with one click."""
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    pi = intent(client)
    open_shop(page, shop_url, server, merchant, pi, parts="auth,payment")
    auth = page.frame_locator("iframe[title='Secure email input frame']")
    payment = page.frame_locator(FRAME)
    expect(payment.get_by_label("Email")).to_be_hidden()  # asked once, by the email element
    auth.get_by_label("Email").fill(email)
    auth.get_by_label("Email").press("Tab")
    expect(page.locator("#email-seen")).to_have_text(f"email: {email}")
    expect(auth.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    screenshot(page, "element-link-authentication-code-1280")
    auth.get_by_label("Verification code").fill(latest_code(server, merchant, phone))
    expect(auth.get_by_text(f"Signed in to Lynk as {redact_email(email)}.")).to_be_visible()
    expect(payment.get_by_role("radio", name="Visa ending in 4242, expires 04/35 (default)")).to_be_checked()
    screenshot(page, "element-link-authentication-wallet-1280")
    pay(page)
    paid_with_link(client, pi.id)

    again = intent(client)  # the next purchase at this shop: recognised by Lynk's (partitioned) cookie
    open_shop(page, shop_url, server, merchant, again, parts="auth,payment")
    expect(auth.get_by_label("Verification code")).to_be_visible()
    expect(page.locator("#email-seen")).to_have_text("")  # not before she proves it's her
    auth.get_by_label("Verification code").fill(latest_code(server, merchant, phone))
    expect(page.locator("#email-seen")).to_have_text(f"email: {email}")
    pay(page)
    paid_with_link(client, again.id)


@pytest.mark.parametrize("card", ["4242424242424242", "4000000000003220"])
def test_express_checkout_pays_in_a_popup_and_the_page_hears_confirm(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str, card: str
) -> None:
    """The popup pays (a card asking for 3-D Secure: the challenge runs in the popup, which comes back paid),
    tells the page, which hears `confirm`."""
    email, phone = wallet_account(server, merchant, [card])
    pi = intent(client)
    open_shop(page, shop_url, server, merchant, pi, parts="express")
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Pay with Lynk").click()
    popup = opened.value
    # The window she just opened is the one she types in. Headless Chromium does not always give a new window
    # the focus (under load the opener kept it), and a field is focused only in a focused document.
    popup.bring_to_front()
    assert popup.url.startswith(f"{lynk_origin(server)}/elements/express?")  # a first-party page on Lynk's origin
    sign_in(popup, server, merchant, email, phone)
    expect(popup.get_by_role("radio", name=f"Visa ending in {card[-4:]}, expires 04/35 (default)")).to_be_checked()
    screenshot(popup, f"element-express-wallet-{card[-4:]}")
    popup.get_by_role("button", name="Pay 25.00 USD").click()
    if card.endswith("3220"):
        popup.get_by_role("button", name="Complete authentication").click()  # the challenge, in the popup
    expect(page.locator("#out")).to_have_text("express: succeeded")
    paid_with_link(client, pi.id)


def test_keyboard_only_she_pays_with_link_in_the_element(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    pi = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi)
    expect(form.get_by_label("Email")).to_be_visible()
    for _ in range(10):  # Tab from the top of the shop's page into the frame's Email box
        page.keyboard.press("Tab")
        if form.locator("#email").evaluate("e => document.activeElement === e"):
            break
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(form.get_by_label("Verification code")).to_be_focused()
    page.keyboard.type(latest_code(server, merchant, phone))
    expect(form.get_by_role("radio", name="Visa ending in 4242, expires 04/35 (default)")).to_be_focused()
    for _ in range(10):  # on to the shop's own Pay button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "pay":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#out")).to_have_text("status: succeeded")
    paid_with_link(client, pi.id)


def test_appearance_reaches_the_frame_through_css_variables(
    page: Page, server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, shop_url: str
) -> None:
    appearance = {
        "theme": "flat",
        "variables": {"colorPrimary": "#0a7cff", "fontFamily": "Georgia, serif", "borderRadius": "2px",
                      "colorText": "red; background: url(https://evil.example)"},
    }  # fmt: skip
    pi = intent(client)
    form = open_shop(page, shop_url, server, merchant, pi, appearance=json.dumps(appearance))
    number = form.get_by_label("Card number")
    expect(number).to_be_visible()
    assert number.evaluate("e => getComputedStyle(e).borderTopLeftRadius") == "2px"
    assert "Georgia" in number.evaluate("e => getComputedStyle(document.body).fontFamily")
    assert number.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(238, 240, 244)"  # theme flat
    assert number.evaluate("e => document.documentElement.style.getPropertyValue('--lynk-text')") == ""  # refused
    form.get_by_label("Save my information for faster checkout").check()
    screenshot(page, "element-appearance-flat-1280")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_night_theme_in_the_express_popup_passes_axe(
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
    night = json.dumps({"theme": "night", "variables": {"colorPrimary": "#4b44d6"}})
    query = urlencode(
        {
            "key": merchant.publishable_key,
            "client_secret": pi.client_secret,
            "origin": server.base_url,
            "appearance": night,
        }
    )
    page.goto(f"{server.base_url}/elements/express?{query}")
    page.get_by_label("Save my information for faster checkout").check()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(20, 22, 31)"
    screenshot(page, f"element-express-night-{width}")
    assert axe_violations(page, axe_source) == []
    context.close()
