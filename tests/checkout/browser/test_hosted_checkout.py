"""Shoppers at hosted checkout, in Chromium: a card that pays, 3-D Secure both ways, a decline and a
second card, a double click, the keyboard alone, axe-core, and screenshots at 375 px and 1280 px."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator

import pytest
import stripe
from playwright.sync_api import Browser, Page, expect

from tests.checkout.browser.conftest import ARTIFACTS, axe_violations, screenshot
from tests.checkout.factories import make_session
from tests.servers import LynkServer


def new_session(client: stripe.StripeClient, shop_url: str) -> stripe.checkout.Session:
    return make_session(
        client,
        success_url=f"{shop_url}/success?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{shop_url}/cart",
    )


def fill_card(page: Page, number: str, email: str = "jenny@example.com") -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiration").fill("12 / 34")
    page.get_by_label("CVC").fill("123")


def pay_button(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("button", name=re.compile(r"^Pay"))


@pytest.fixture
def csp_errors(page: Page) -> Iterator[list[str]]:
    """Console errors the page's Content-Security-Policy raised (there must be none)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield errors


def test_a_new_shopper_pays_with_4242_and_lands_on_success_url(
    page: Page, client: stripe.StripeClient, shop_url: str, csp_errors: list[str]
) -> None:
    session = new_session(client, shop_url)
    page.goto(session.url or "")
    expect(page.get_by_role("heading", name="Order summary")).to_be_visible()
    expect(page.get_by_text("T-shirt \u00d7 2")).to_be_visible()
    fill_card(page, "4242 4242 4242 4242")
    expect(pay_button(page)).to_have_text("Pay $35.00")
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    assert csp_errors == []


def test_time_from_page_load_to_success_url(
    browser: Browser, server: LynkServer, client: stripe.StripeClient, shop_url: str
) -> None:
    """The card path's time, page load to success_url, as this test measures it (median of 5; written to
    artifacts/checkout-timing-<backend>.txt)."""
    timings = []
    for _ in range(5):
        session = new_session(client, shop_url)
        context = browser.new_context()
        page = context.new_page()
        started = time.perf_counter()
        page.goto(session.url or "")
        fill_card(page, "4242424242424242")
        pay_button(page).click()
        page.wait_for_url(re.compile(re.escape(shop_url) + "/success"))
        timings.append(time.perf_counter() - started)
        context.close()
    median = statistics.median(timings)
    ARTIFACTS.mkdir(exist_ok=True)
    line = (
        f"{server.backend}: card path, page load to success_url: median {median * 1000:.0f} ms of {len(timings)} runs "
        + str([round(t * 1000) for t in timings])
    )
    (ARTIFACTS / f"checkout-timing-{server.backend}.txt").write_text(line + "\n")
    print(line)


@pytest.mark.parametrize("outcome", ["Complete authentication", "Fail authentication"])
def test_a_3ds_card_through_the_challenge_page(
    page: Page, browser: Browser, client: stripe.StripeClient, shop_url: str, outcome: str, axe_source: str
) -> None:
    session = new_session(client, shop_url)
    page.goto(session.url or "")
    fill_card(page, "4000 0000 0000 3220")
    pay_button(page).click()
    expect(page.get_by_role("heading", name="Authenticate your payment")).to_be_visible()
    page.get_by_role("button", name=outcome).click()
    if outcome == "Complete authentication":
        page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
        assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"
        return
    page.wait_for_url(session.url or "")
    expect(page.get_by_role("alert")).to_have_text("We couldn't verify your card. Try again or use another card.")
    expect(page.get_by_text("Provide a new PaymentMethod")).to_have_count(0)  # the API's words for developers
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"checkout-3ds-failed-{width}")
    checker = browser.new_context(bypass_csp=True)  # axe-core is injected as an inline script
    checked = checker.new_page()
    checked.goto(session.url or "")
    expect(checked.get_by_role("alert")).to_contain_text("We couldn't verify your card")
    assert axe_violations(checked, axe_source) == []
    checker.close()
    fill_card(page, "4242424242424242")
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")


def test_a_decline_shows_its_message_and_a_second_card_pays(
    page: Page, client: stripe.StripeClient, shop_url: str
) -> None:
    session = new_session(client, shop_url)
    page.goto(session.url or "")
    fill_card(page, "4000 0000 0000 0002")
    pay_button(page).click()
    expect(page.get_by_role("alert")).to_have_text("Your card was declined. Try another card.")
    expect(pay_button(page)).to_be_enabled()
    expect(page.get_by_label("Card number")).to_be_focused()
    page.get_by_label("Card number").fill("4000 0000 0000 9995")
    pay_button(page).click()
    expect(page.get_by_role("alert")).to_have_text("Your card has insufficient funds. Try another card.")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
    charges = client.v1.charges.list(params={"payment_intent": session.payment_intent})  # type: ignore[typeddict-item]
    assert sorted(c.status for c in charges.data) == ["failed", "failed", "succeeded"]


def test_a_double_click_pays_once(page: Page, client: stripe.StripeClient, shop_url: str) -> None:
    session = new_session(client, shop_url)
    page.goto(session.url or "")
    fill_card(page, "4242424242424242")
    pay_button(page).dblclick()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
    charges = client.v1.charges.list(params={"payment_intent": session.payment_intent})  # type: ignore[typeddict-item]
    assert len(charges.data) == 1


def test_field_errors_are_named_and_focused(page: Page, client: stripe.StripeClient, shop_url: str) -> None:
    session = new_session(client, shop_url)
    page.goto(session.url or "")
    page.get_by_label("Email").fill("not-an-email")
    pay_button(page).click()
    expect(page.get_by_label("Email")).to_be_focused()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    fill_card(page, "4242 4242 4242 4241")
    pay_button(page).click()
    expect(page.get_by_text("Your card number is incorrect.")).to_be_visible()
    expect(page.get_by_label("Card number")).to_be_focused()


def test_the_keyboard_alone_pays(page: Page, client: stripe.StripeClient, shop_url: str) -> None:
    session = new_session(client, shop_url)
    page.goto(session.url or "")
    expect(page.get_by_role("link", name="← Back to the shop")).to_be_visible()
    page.keyboard.press("Tab")  # the back link
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type("keys@example.com")
    for text in ("4242424242424242", "1234", "123", "Kay Board"):
        page.keyboard.press("Tab")
        page.keyboard.type(text)
    expect(page.get_by_label("Name on card")).to_be_focused()
    page.keyboard.press("Tab")
    expect(pay_button(page)).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")


def test_cancel_link_returns_to_the_shop(page: Page, client: stripe.StripeClient, shop_url: str) -> None:
    session = new_session(client, shop_url)
    page.goto(session.url or "")
    page.get_by_role("link", name="Cancel and return to the shop").click()
    page.wait_for_url(f"{shop_url}/cart")


@pytest.mark.parametrize("width", [375, 1280])
def test_axe_finds_no_serious_violations_and_screenshots(
    browser: Browser, client: stripe.StripeClient, shop_url: str, axe_source: str, width: int
) -> None:
    # axe-core is injected as an inline script, which the page's CSP rightly refuses: bypass it for axe only.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    session = new_session(client, shop_url)
    page.goto(session.url or "")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    screenshot(page, f"checkout-{width}")
    assert axe_violations(page, axe_source) == []
    fill_card(page, "4000000000000002")
    pay_button(page).click()
    expect(page.get_by_role("alert")).to_contain_text("declined")
    screenshot(page, f"checkout-declined-{width}")
    assert axe_violations(page, axe_source) == []
    context.close()


def test_an_expired_session_says_so_and_links_back(
    page: Page, server: LynkServer, client: stripe.StripeClient, shop_url: str
) -> None:
    session = new_session(client, shop_url)
    client.v1.checkout.sessions.expire(session.id)
    response = page.goto(f"{server.base_url}/c/pay/{session.id}")
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", name="Checkout expired")).to_be_visible()
    page.get_by_role("link", name="Return to the shop").click()
    page.wait_for_url(f"{shop_url}/cart")


def test_setup_mode_saves_a_card_and_lands_on_success_url(
    page: Page, client: stripe.StripeClient, shop_url: str
) -> None:
    session = make_session(
        client,
        mode="setup",
        line_items=None,
        currency="usd",
        success_url=f"{shop_url}/success?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{shop_url}/cart",
    )
    page.goto(session.url or "")
    expect(page.get_by_role("heading", name="Save your card")).to_be_visible()
    fill_card(page, "4000 0000 0000 3220")  # asks for 3-D Secure: the setup goes through the challenge page
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("heading", name="Authenticate your card")).to_be_visible()
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.status == "complete" and done.payment_status == "no_payment_required"


def test_an_expiry_in_the_past_says_so(page: Page, client: stripe.StripeClient, shop_url: str) -> None:
    session = new_session(client, shop_url)
    page.goto(session.url or "")
    fill_card(page, "4242 4242 4242 4242")
    page.get_by_label("Expiration").fill("01 / 20")
    pay_button(page).click()
    expect(page.locator("#card-expiration-error")).to_have_text("Your card's expiration date is in the past.")
    expect(page.get_by_label("Expiration")).to_be_focused()
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"checkout-expiry-past-{width}")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    page.get_by_label("Expiration").fill("12 / 34")
    pay_button(page).click()
    page.wait_for_url(f"{shop_url}/success?session_id={session.id}")
