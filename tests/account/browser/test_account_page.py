"""The shopper's account page in Chromium: log in with the code from the test-message endpoint, add and
remove a card, revoke a grant, export, delete, the keyboard alone, axe-core, and screenshots at 375 px and 1280 px."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.account.support import BASE, Shopper, events_of, saved_shopper
from tests.checkout.browser.conftest import axe_violations, screenshot
from tests.link.support import latest_code
from tests.servers import LynkServer

CARD = "Visa •••• 4242"


@pytest.fixture
def csp_errors(page: Page) -> Iterator[list[str]]:
    """Console errors the page's Content-Security-Policy raised (there must be none)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield errors


def log_in(page: Page, server: LynkServer, shopper: Shopper) -> None:
    page.goto(server.base_url + BASE)
    page.get_by_label("Email").fill(shopper.email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your verification code")).to_be_visible()
    page.get_by_label("Verification code").fill(latest_code(server, shopper.home, shopper.phone))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your Lynk account")).to_be_visible()


def test_a_shopper_removes_a_card_and_revokes_a_grant(page: Page, server: LynkServer, csp_errors: list[str]) -> None:
    shopper = saved_shopper(server, shop_name="Chromium Coffee")
    log_in(page, server, shopper)
    expect(page.locator("strong", has_text=CARD)).to_be_visible()
    expect(page.locator("strong", has_text="Chromium Coffee")).to_be_visible()
    assert "4242424242424242" not in page.content()

    page.get_by_role("button", name="Revoke access of Chromium Coffee").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Access revoked"))
    expect(page.get_by_role("button", name="Revoke access of Chromium Coffee")).to_have_count(0)
    assert [e["data"]["object"]["id"] for e in events_of(server, shopper.shop, "payment_method.detached")] == [
        shopper.method
    ]

    page.get_by_text("Add a card").click()
    page.get_by_label("Card number").fill("5555 5555 5555 4444")
    page.get_by_label("Expiration").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("status")).to_have_text("The card is saved.")
    expect(page.locator("strong", has_text="Mastercard •••• 4444")).to_be_visible()

    page.get_by_role("link", name=f"Remove {CARD}").click()  # asks first
    expect(page.get_by_role("heading", name=f"Remove {CARD}?")).to_be_visible()
    page.get_by_role("link", name="Keep this card").click()
    expect(page.locator("strong", has_text=CARD)).to_be_visible()
    page.get_by_role("link", name=f"Remove {CARD}").click()
    page.get_by_role("button", name=f"Remove {CARD}").click()
    expect(page.get_by_role("status")).to_have_text("The card is removed from your account.")
    expect(page.locator("strong", has_text=CARD)).to_have_count(0)
    page.get_by_role("link", name="Remove Mastercard •••• 4444").click()
    page.get_by_role("button", name="Remove Mastercard •••• 4444").click()
    expect(page.get_by_text("No saved cards")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    expect(page.get_by_label("Email")).to_be_visible()
    assert csp_errors == []


def test_a_wrong_code_says_how_many_tries_are_left(page: Page, server: LynkServer) -> None:
    shopper = saved_shopper(server)
    page.goto(server.base_url + BASE)
    page.get_by_label("Email").fill(shopper.email)
    page.get_by_role("button", name="Continue").click()
    code = latest_code(server, shopper.home, shopper.phone)
    page.get_by_label("Verification code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("incorrect. 4 attempts left"))
    expect(page.get_by_label("Verification code")).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Resend code").click()
    expect(page.get_by_role("status")).to_have_text("A new code is on its way.")
    page.get_by_label("Verification code").fill(latest_code(server, shopper.home, shopper.phone))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your Lynk account")).to_be_visible()


def test_export_then_delete_the_account(page: Page, server: LynkServer, tmp_path: Path) -> None:
    shopper = saved_shopper(server)
    log_in(page, server, shopper)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data (JSON)").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["account"]["email"] == shopper.email and data["payment_details"][0]["card"]["last4"] == "4242"

    page.get_by_role("link", name="Delete my account").click()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("Tick the box"))
    page.get_by_label("I understand that my account will be deleted for good").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    page.goto(server.base_url + BASE)
    expect(page.get_by_label("Email")).to_be_visible()  # logged out
    page.get_by_label("Email").fill(shopper.email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("There is no Lynk account"))


def _tab_to(page: Page, name: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.textContent")
        if focused and focused.strip().startswith(name):
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


def test_the_keyboard_alone_logs_in_and_removes_a_card(page: Page, server: LynkServer) -> None:
    shopper = saved_shopper(server)
    page.goto(server.base_url + BASE)
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(shopper.email)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Verification code")).to_be_focused()
    page.keyboard.type(latest_code(server, shopper.home, shopper.phone))
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # remember this device
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your Lynk account")).to_be_visible()
    expect(page.locator("span.meta", has_text="Remembered since")).to_be_visible()
    expect(page.locator("strong", has_text="Chrome on Linux")).to_be_visible()  # Playwright's Chromium
    _tab_to(page, "Remove")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Remove {CARD}?")).to_be_visible()
    _tab_to(page, "Remove")
    page.keyboard.press("Enter")
    expect(page.get_by_text("No saved cards")).to_be_visible()


@pytest.mark.parametrize("width", [375, 1280])
def test_no_serious_accessibility_violations_and_screenshots(
    browser: Browser, server: LynkServer, axe_source: str, width: int
) -> None:
    # axe-core is injected as an inline script, which the page's CSP rightly refuses: bypass it for axe only.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    shopper = saved_shopper(server, shop_name="Axe Outfitters")
    page.goto(server.base_url + BASE)
    screenshot(page, f"account-login-{width}")
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Email").fill(shopper.email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Verification code").wait_for()
    screenshot(page, f"account-code-{width}")
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Verification code").fill(latest_code(server, shopper.home, shopper.phone))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your Lynk account")).to_be_visible()
    page.get_by_text("Add an address").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    screenshot(page, f"account-overview-{width}")
    assert axe_violations(page, axe_source) == []
    page.get_by_role("link", name=f"Remove {CARD}").click()
    screenshot(page, f"account-remove-card-{width}")
    assert axe_violations(page, axe_source) == []
    page.get_by_role("link", name="Keep this card").click()
    page.get_by_text("Add a card").click()
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiration").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_text("Your card was declined. It was not saved: try another card.")).to_be_visible()
    screenshot(page, f"account-card-declined-{width}")
    assert axe_violations(page, axe_source) == []
    page.goto(server.base_url + BASE)
    page.get_by_role("link", name="Delete my account").click()
    screenshot(page, f"account-delete-{width}")
    assert axe_violations(page, axe_source) == []
    context.close()
