"""The account page's step-up in Chromium (issue 16 item 7): a shopper whose account knows only her phone's
network (127.0.0.2) logs in from a new browser on another network (Chromium on 127.0.0.1). Adding an address
asks "Confirm it's you" with a new code and then saves the address she typed; adding a card asks the code,
then her card again, and saves it. The page keeps its CSP (no script) and has no serious axe-core violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.account.browser.test_account_page import csp_errors, log_in
from tests.account.support import Shopper
from tests.card_numbers import shows
from tests.checkout.browser.conftest import axe_violations, screenshot
from tests.link.support import account_from_another_network, latest_code, messages
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer

__all__ = ["csp_errors"]


def _shopper_from_another_network(server: LynkServer) -> Shopper:
    home = make_merchant(server)
    email, phone = account_from_another_network(server, home)
    return Shopper(email, phone, home, home, "")


def _fill_card(page: Page) -> None:
    page.get_by_label("Card number").fill("5555 5555 5555 4444")
    page.get_by_label("Expiration").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Save card").click()


def _confirm_it_is_you(page: Page, server: LynkServer, shopper: Shopper, sent: int, doing: str) -> None:
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    expect(page.get_by_text(re.compile(f"Before {doing}, enter the new 6-digit code"))).to_be_visible()
    expect(page.get_by_label("Verification code")).to_be_focused()
    assert len(messages(server, shopper.home, shopper.phone)) == sent + 1  # a new code was sent
    page.get_by_label("Verification code").fill(latest_code(server, shopper.home, shopper.phone))
    page.get_by_role("button", name="Confirm").click()


def test_a_new_device_on_a_new_network_confirms_a_code_before_an_address_is_saved(
    page: Page, server: LynkServer, csp_errors: list[str]
) -> None:
    shopper = _shopper_from_another_network(server)
    log_in(page, server, shopper)
    sent = len(messages(server, shopper.home, shopper.phone))

    page.get_by_text("Add an address").click()
    page.get_by_label("Full name").fill("Ada Shopper")
    page.get_by_label("Address line 1").fill("99 Drop Lane")
    page.get_by_label("City").fill("Dublin")
    page.get_by_label("Postal code").fill("D02 XY45")
    page.get_by_label("Country code").fill("IE")
    page.get_by_role("button", name="Save address").click()
    expect(page.get_by_text("Nothing is saved until you confirm.")).to_be_visible()
    _confirm_it_is_you(page, server, shopper, sent, "adding an address")

    expect(page.get_by_role("status")).to_have_text("The address is saved.")
    expect(page.get_by_role("button", name="Remove address 99 Drop Lane")).to_be_visible()
    assert csp_errors == []


def test_a_card_is_entered_again_after_the_code_then_saved(page: Page, server: LynkServer) -> None:
    shopper = _shopper_from_another_network(server)
    log_in(page, server, shopper)
    sent = len(messages(server, shopper.home, shopper.phone))

    page.get_by_text("Add a card").click()
    _fill_card(page)
    expect(page.get_by_text(re.compile("the card's number is not kept meanwhile"))).to_be_visible()
    assert not shows(page.content(), "5555") and "5555555555554444" not in page.content()
    _confirm_it_is_you(page, server, shopper, sent, "adding a card")

    expect(page.get_by_role("status")).to_have_text("Thank you, it's you. Enter the card again to save it.")
    expect(page.locator("strong", has_text="Mastercard •••• 4444")).to_have_count(0)  # not saved before the code
    _fill_card(page)  # its form is open again
    expect(page.get_by_role("status")).to_have_text("The card is saved.")
    expect(page.locator("strong", has_text="Mastercard •••• 4444")).to_be_visible()
    assert len(messages(server, shopper.home, shopper.phone)) == sent + 1  # one step-up per session


@pytest.mark.parametrize("width", [375, 1280])
def test_the_step_up_page_has_no_serious_accessibility_violations(
    browser: Browser, server: LynkServer, axe_source: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    shopper = _shopper_from_another_network(server)
    log_in(page, server, shopper)
    page.get_by_text("Add an address").click()
    page.get_by_role("button", name="Save address").click()  # empty: the code is asked before the address is read
    page.get_by_label("Verification code").wait_for()
    page.get_by_role("button", name="Confirm").click()  # no code: an error tied to the field
    expect(page.get_by_role("alert")).to_have_text("Enter the 6-digit code we sent you.")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"account-step-up-{width}")
    assert axe_violations(page, axe_source) == []
    context.close()
