"""The Link steps of hosted checkout, in Chromium: a new shopper opts in at merchant A, the same browser is
recognised at merchant B and pays in one click after a code; a fresh browser types its email; wrong codes
and resends; declines and 3-D Secure on saved cards; the keyboard alone; axe-core and screenshots of the
new steps; and the returning shopper's time from page load to success_url (median of 5)."""

from __future__ import annotations

import re
import statistics
import time
from typing import Any

import pytest
import stripe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from lynk.link.accounts import redact_email
from tests.checkout.browser.conftest import ARTIFACTS, axe_violations, screenshot
from tests.checkout.factories import make_session
from tests.conftest import sdk_client
from tests.link.support import Browser as LinkBrowser
from tests.link.support import latest_code, messages, new_email, new_phone
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


def link_session(client: stripe.StripeClient, shop_url: str) -> stripe.checkout.Session:
    return make_session(
        client,
        payment_method_types=["card", "link"],
        success_url=f"{shop_url}/success?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{shop_url}/cart",
    )


def pay_button(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("button", name=re.compile(r"^Pay \$\d"))


def opt_in_at(page: Page, client: stripe.StripeClient, shop_url: str, email: str, phone: str) -> None:
    """A new shopper pays with 4242 and ticks "Save my information for faster checkout"."""
    session = link_session(client, shop_url)
    page.goto(session.url or "")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Card number").click()  # leaving Email looks the shopper up: nobody yet
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiration").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Ada Shopper")
    expect(page.get_by_label("Phone number")).to_be_hidden()
    page.get_by_label("Save my information for faster checkout").check()
    page.get_by_label("Phone number").fill(phone)
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")


def enter_code(page: Page, server: LynkServer, merchant: MerchantKeys, to: str) -> None:
    expect(page.get_by_label("Verification code")).to_be_focused()
    page.get_by_label("Verification code").fill(latest_code(server, merchant, to))


def wallet_account(server: LynkServer, merchant: MerchantKeys, cards: list[str]) -> tuple[str, str]:
    """A Link account (signed up through the consumer API) holding these cards; the first is the default."""
    email, phone = new_email(), new_phone()
    shopper = LinkBrowser(server, merchant)
    signed = shopper.post(
        "/v1/link/consumers",
        {"email_address": email, "phone_number": phone, "legal_name": "Wall Et", "country": "US"},
        with_secret=False,
    )
    assert signed.status_code == 200, signed.text
    shopper.secret = signed.json()["consumer_session"]["client_secret"]
    shopper.verify(phone)
    for index, number in enumerate(cards):
        card = {"card[number]": number, "card[exp_month]": "4", "card[exp_year]": "2035", "card[cvc]": "123"}
        saved = shopper.post("/v1/link/payment_details", {**card, "is_default": "true" if index == 0 else "false"})
        assert saved.status_code == 200, saved.text
    return email, phone


def charges_of(client: stripe.StripeClient, session_id: str) -> list[Any]:
    session = client.v1.checkout.sessions.retrieve(session_id)
    return client.v1.charges.list(params={"payment_intent": session.payment_intent}).data  # type: ignore[typeddict-item]


def test_opt_in_at_a_then_recognised_at_b_pays_with_one_click(
    browser: Browser, server: LynkServer, client: stripe.StripeClient, merchant_b: MerchantKeys, shop_url: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    email, phone = new_email(), new_phone()
    opt_in_at(page, client, shop_url, email, phone)
    client_b = sdk_client(server, merchant_b.secret_key)
    session = link_session(client_b, shop_url)
    page.goto(session.url or "")
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    expect(page.get_by_label("Card number")).to_be_hidden()
    # No empty Email box to type into while verifying: the recognised email, masked, instead.
    expect(page.get_by_label("Email")).to_be_hidden()
    masked = redact_email(email)
    expect(page.get_by_text(f"We recognised you as {masked}: you have saved details with Lynk.")).to_be_visible()
    enter_code(page, server, merchant_b, phone)  # read with B's test secret key
    expect(page.get_by_role("radio", name="Visa ending in 4242, expires 12/34 (default)")).to_be_checked()
    expect(page.get_by_text(re.compile(r"Signed in to Lynk as"))).to_be_visible()
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
    paid = client_b.v1.checkout.sessions.retrieve(session.id)
    assert paid.payment_status == "paid" and paid.customer_details is not None
    assert paid.customer_details.email == email
    [charge] = charges_of(client_b, session.id)
    assert charge.payment_method_details is not None and charge.payment_method_details.type == "link"
    assert len(messages(server, merchant_b, phone)) == 1  # one code, sent once at recognition
    context.close()


def test_a_fresh_browser_types_its_email_gets_the_code_step_and_pays(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant_b: MerchantKeys, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant_b, ["4242424242424242"])
    client_b = sdk_client(server, merchant_b.secret_key)
    session = link_session(client_b, shop_url)
    page.goto(session.url or "")
    expect(page.get_by_label("Card number")).to_be_visible()  # nobody recognised without a cookie
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Enter the 6-digit code we sent to \*+\d\d\."))).to_be_visible()
    enter_code(page, server, merchant_b, phone)
    expect(page.get_by_label("Card number")).to_be_hidden()
    pay_button(page).dblclick()  # one attempt: the button is disabled while it is in flight
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
    assert [c.status for c in charges_of(client_b, session.id)] == ["succeeded"]


def test_remember_this_device_skips_the_code_at_the_next_merchant(
    browser: Browser,
    server: LynkServer,
    client: stripe.StripeClient,
    merchant: MerchantKeys,
    merchant_b: MerchantKeys,
    shop_url: str,
) -> None:
    context = browser.new_context()
    page = context.new_page()
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    page.goto(link_session(client, shop_url).url or "")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    expect(page.get_by_label("Verification code")).to_be_focused()
    page.get_by_label("Remember this device").check()
    page.get_by_label("Verification code").fill(latest_code(server, merchant, phone))
    expect(pay_button(page)).to_be_focused()
    session = link_session(sdk_client(server, merchant_b.secret_key), shop_url)
    page.goto(session.url or "")  # recognised by the cookies, verified by the trusted device: no code
    expect(page.get_by_role("radio", name=re.compile(r"^Visa ending in 4242"))).to_be_checked()
    expect(page.get_by_label("Verification code")).to_be_hidden()
    assert messages(server, merchant_b, phone) == []
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
    context.close()


def test_an_expired_code_and_a_lock_are_explained(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    page.goto(link_session(client, shop_url).url or "")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    expect(page.get_by_label("Verification code")).to_be_focused()
    code = latest_code(server, merchant, phone)
    server.clock.advance(server.runtime.settings.link_code_ttl_seconds + 1)
    page.get_by_label("Verification code").fill(code)
    expect(page.locator("#link-code-error")).to_have_text("This verification code has expired. Request a new code.")
    settings = server.runtime.settings
    saved = settings.link_failures_before_lock
    settings.link_failures_before_lock = 2
    try:
        page.get_by_role("button", name="Resend code").click()
        expect(page.get_by_text(re.compile(r"A new code is on its way"))).to_be_visible()
        wrong = "000000" if latest_code(server, merchant, phone) != "000000" else "111111"
        page.get_by_label("Verification code").fill(wrong)
        expect(page.locator("#link-code-error")).to_contain_text("4 attempts left")
        page.get_by_label("Verification code").fill(wrong)
        expect(page.locator("#link-code-error")).to_contain_text(
            re.compile(
                r"verification is locked for this account for 15 minutes\. You can try again at .+ \(in 15 minutes\)"
            )
        )
        page.get_by_role("button", name="Resend code").click()
        expect(page.locator("#link-code-error")).to_contain_text(re.compile(r"Verification is locked .* try again"))
    finally:
        settings.link_failures_before_lock = saved


def test_a_wrong_code_shows_an_error_and_resend_sends_a_new_one(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    session = link_session(client, shop_url)
    page.goto(session.url or "")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    expect(page.get_by_label("Verification code")).to_be_focused()
    sent = messages(server, merchant, phone)
    right = sent[0]["code"]
    page.get_by_label("Verification code").fill("000000" if right != "000000" else "111111")
    expect(page.get_by_role("alert").filter(has_text="incorrect")).to_have_text(
        "The verification code is incorrect. 4 attempts left."
    )
    expect(page.get_by_label("Verification code")).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Resend code").click()  # too soon after the first: refused, nothing sent
    expect(page.locator("#link-code-error")).to_contain_text("A code was sent moments ago")
    assert len(messages(server, merchant, phone)) == len(sent)
    server.clock.advance(server.runtime.settings.link_resend_cooldown_seconds)
    page.get_by_role("button", name="Resend code").click()
    expect(page.get_by_text(re.compile(r"A new code is on its way to \*+\d\d\."))).to_be_visible()
    assert len(messages(server, merchant, phone)) == len(sent) + 1
    enter_code(page, server, merchant, phone)
    expect(pay_button(page)).to_be_focused()
    expect(page.get_by_role("radio", name=re.compile(r"Visa ending in 4242"))).to_be_checked()


def test_a_declined_saved_card_says_so_and_another_saved_card_pays(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant, ["4000000000000002", "5555555555554444"])
    session = link_session(client, shop_url)
    page.goto(session.url or "")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    enter_code(page, server, merchant, phone)
    expect(page.get_by_role("radio", name=re.compile(r"^Visa ending in 0002"))).to_be_checked()
    pay_button(page).click()
    expect(page.locator("#form-error")).to_have_text(
        "Your card was declined. Choose another saved card or pay another way."
    )
    page.get_by_role("radio", name=re.compile(r"^Mastercard ending in 4444")).check()
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
    assert sorted(c.status for c in charges_of(client, session.id)) == ["failed", "succeeded"]


def test_a_saved_3ds_card_goes_through_the_challenge_page(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant, ["4000000000003220"])
    session = link_session(client, shop_url)
    page.goto(session.url or "")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    enter_code(page, server, merchant, phone)
    pay_button(page).click()
    expect(page.get_by_role("heading", name="Authenticate your payment")).to_be_visible()
    expect(page.get_by_text("ending in 3220")).to_be_visible()  # the saved Link card's last 4, not "????"
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"3ds-link-card-{width}")
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")


def test_pay_another_way_returns_to_the_card_form_and_not_you_forgets(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    session = link_session(client, shop_url)
    page.goto(session.url or "")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    page.get_by_role("button", name="Pay another way").click()
    expect(page.get_by_label("Card number")).to_be_focused()
    expect(page.get_by_label("Verification code")).to_be_hidden()
    expect(page.get_by_label("Save my information for faster checkout")).to_be_hidden()  # already has Link
    page.get_by_label("Email").fill(email + ".other")
    page.reload()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    enter_code(page, server, merchant, phone)
    page.get_by_role("button", name="Not you?").click()
    expect(page.get_by_label("Email")).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value("")
    expect(page.get_by_label("Card number")).to_be_visible()


def test_the_keyboard_alone_pays_with_link(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys, shop_url: str
) -> None:
    email, phone = wallet_account(server, merchant, ["4242424242424242"])
    session = link_session(client, shop_url)
    page.goto(session.url or "")
    page.keyboard.press("Tab")  # the back link
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")  # leaving Email looks the shopper up, and focus moves to the code
    expect(page.get_by_label("Verification code")).to_be_focused()
    page.keyboard.type(latest_code(server, merchant, phone))
    expect(pay_button(page)).to_be_focused()
    page.keyboard.press("Shift+Tab")  # "Pay another way", then the chosen saved card
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("radio", name=re.compile(r"^Visa ending in 4242"))).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(pay_button(page)).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")


@pytest.mark.parametrize("width", [375, 1280])
def test_axe_and_screenshots_of_the_link_steps(
    browser: Browser,
    server: LynkServer,
    client: stripe.StripeClient,
    merchant: MerchantKeys,
    shop_url: str,
    axe_source: str,
    width: int,
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    email, phone = wallet_account(server, merchant, ["4242424242424242", "5555555555554444"])
    session = link_session(client, shop_url)
    page.goto(session.url or "")
    page.get_by_label("Save my information for faster checkout").check()
    expect(page.get_by_label("Phone number")).to_be_visible()
    screenshot(page, f"checkout-link-opt-in-{width}")
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Email").fill(email)
    page.get_by_label("Email").blur()
    expect(page.get_by_label("Verification code")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"checkout-link-code-{width}")
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Verification code").fill(
        "999999" if messages(server, merchant, phone)[0]["code"] != "999999" else "888888"
    )
    expect(page.locator("#link-code-error")).to_be_visible()
    screenshot(page, f"checkout-link-code-error-{width}")
    assert axe_violations(page, axe_source) == []
    enter_code(page, server, merchant, phone)
    expect(page.get_by_role("radio", name=re.compile(r"Mastercard ending in 4444"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"checkout-link-wallet-{width}")
    assert axe_violations(page, axe_source) == []
    context.close()


def test_time_from_page_load_to_success_url_for_a_returning_shopper(
    browser: Browser, server: LynkServer, client: stripe.StripeClient, merchant_b: MerchantKeys, shop_url: str
) -> None:
    """The returning shopper (opted in at A in this browser) at B: page load, code, Pay, success_url.
    Median of 5, written to artifacts/checkout-link-timing-<backend>.txt. The code is read from the
    test-message endpoint inside the timed part (a shopper reads an SMS instead)."""
    client_b = sdk_client(server, merchant_b.secret_key)
    timings = []
    for _ in range(5):
        context: BrowserContext = browser.new_context()
        page = context.new_page()
        email, phone = new_email(), new_phone()
        opt_in_at(page, client, shop_url, email, phone)
        session = link_session(client_b, shop_url)
        started = time.perf_counter()
        page.goto(session.url or "")
        enter_code(page, server, merchant_b, phone)
        pay_button(page).click()
        page.wait_for_url(re.compile(re.escape(shop_url) + "/success"))
        timings.append(time.perf_counter() - started)
        context.close()
    median = statistics.median(timings)
    ARTIFACTS.mkdir(exist_ok=True)
    line = (
        f"{server.backend}: returning Link shopper, page load to success_url: median {median * 1000:.0f} ms of "
        f"{len(timings)} runs " + str([round(t * 1000) for t in timings])
    )
    (ARTIFACTS / f"checkout-link-timing-{server.backend}.txt").write_text(line + "\n")
    print(line)


def test_the_opt_in_takes_a_us_number_as_people_write_it(
    page: Page, server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys, shop_url: str
) -> None:
    phone = new_phone()
    session = link_session(client, shop_url)
    page.goto(session.url or "")
    page.get_by_label("Email").fill(new_email())
    page.get_by_label("Card number").click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiration").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Save my information for faster checkout").check()
    expect(page.get_by_label("Country")).to_have_value("US")  # no billing country yet: the default
    expect(page.locator("#link-country option:checked")).to_have_text("United States (+1)")
    page.get_by_label("Phone number").fill(f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}")
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"checkout-link-opt-in-country-{width}")
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
