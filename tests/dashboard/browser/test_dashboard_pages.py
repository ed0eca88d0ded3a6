"""The dashboard in Chromium: a new user sets up its sign-in from the one-time link and signs in with its password
and a TOTP code; sees a payment made through the API in the list and on its page and refunds part of it;
closes reviews; rolls a key; the keyboard alone signs in; axe-core and screenshots at 375 px and 1280 px."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.checkout.browser.conftest import axe_violations, screenshot
from tests.conftest import sdk_client
from tests.dashboard.support import BASE, PASSWORD, User, code_at, invite, make_user
from tests.dashboard.test_dashboard import pay
from tests.disputes.support import FRAUDULENT, dispute_of, pay_with_card
from tests.merchants.factories import make_merchant
from tests.radar.support import ELEVATED
from tests.radar.support import pay as pay_with_number
from tests.servers import LynkServer


@pytest.fixture
def csp_errors(page: Page) -> Iterator[list[str]]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield errors


def sign_in(page: Page, server: LynkServer, user: User, steps_ahead: int = 0) -> None:
    page.goto(server.base_url + BASE)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").fill(code_at(server, user.totp_secret, steps_ahead))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()


def test_a_new_user_sets_up_then_signs_in_with_password_and_totp(
    page: Page, server: LynkServer, csp_errors: list[str]
) -> None:
    merchant = make_merchant(server)
    email, link = invite(server, merchant.id, "admin")
    page.goto(server.base_url + link)
    expect(page.get_by_role("heading", name="Set up your sign-in")).to_be_visible()
    screenshot(page, "dashboard-setup-1280")
    page.get_by_label("Choose a password").fill(PASSWORD)
    secret = page.locator("#totp-key").inner_text().strip()
    page.get_by_label("Code from the app").fill(code_at(server, secret))
    page.get_by_role("button", name="Finish setting up").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.get_by_role("list", name="Recovery codes").get_by_role("listitem").count() == 10
    screenshot(page, "dashboard-recovery-codes-1280")
    page.get_by_role("link", name="Continue to the dashboard").click()
    expect(page.get_by_text("Test mode", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to your dashboard")).to_be_visible()
    page.goto(server.base_url + link)
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()  # one time only
    sign_in(page, server, User(email, merchant.id, "admin", secret, []), steps_ahead=1)
    assert csp_errors == []


def test_a_payment_from_the_api_is_found_and_partly_refunded(page: Page, server: LynkServer) -> None:
    merchant = make_merchant(server)
    client = sdk_client(server, merchant.secret_key)
    pi = pay(client, 4200, description="Chromium order")
    sign_in(page, server, make_user(server, merchant.id, "support"))
    page.get_by_role("link", name="Payments", exact=True).click()
    page.get_by_label("Card last 4").fill("4242")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name=pi.id).click()
    expect(page.get_by_role("heading", name=re.compile("42.00 USD"))).to_be_visible()
    expect(page.get_by_text("Chromium order")).to_be_visible()
    page.get_by_label("Refund amount (USD)").fill("12.50")
    page.get_by_role("button", name="Refund…").click()
    expect(page.get_by_role("heading", name="Refund this payment?")).to_be_visible()
    page.get_by_role("button", name="Refund 12.50 USD").click()
    expect(page.get_by_role("status")).to_have_text("The refund is made.")
    expect(page.get_by_text(re.compile(r"Refund re_\w+ of 12.50 USD: succeeded"))).to_be_visible()
    assert [r.amount for r in client.v1.refunds.list(params={"payment_intent": pi.id}).data] == [1250]


def test_dispute_evidence_is_submitted_from_the_page(page: Page, server: LynkServer) -> None:
    merchant = make_merchant(server)
    client = sdk_client(server, merchant.secret_key)
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    sign_in(page, server, make_user(server, merchant.id, "support"))
    page.get_by_role("link", name="Disputes").click()
    page.get_by_role("link", name=dispute.id).click()
    page.get_by_label("Customer name").fill("Jenny Rosen")
    page.get_by_label("Product or service description").fill("A blue mug, delivered on 2 December")
    page.get_by_role("button", name="Submit evidence").click()
    expect(page.get_by_role("status")).to_have_text("The evidence is submitted.")
    expect(page.get_by_role("heading", name=re.compile("Under review"))).to_be_visible()
    assert client.v1.disputes.retrieve(dispute.id).evidence.customer_name == "Jenny Rosen"


def test_a_review_is_approved_from_the_list_and_another_refunded_from_its_payment(
    page: Page, server: LynkServer
) -> None:
    merchant = make_merchant(server)
    client = sdk_client(server, merchant.secret_key)
    kept, dropped = pay_with_number(client, ELEVATED, amount=5100), pay_with_number(client, ELEVATED, amount=5200)
    sign_in(page, server, make_user(server, merchant.id, "support"))
    page.get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name="Reviews", exact=True)).to_be_visible()
    page.get_by_role("button", name=f"Approve: {kept.id}").click()
    expect(page.get_by_role("status")).to_have_text("The review is approved.")
    expect(page.get_by_role("link", name=kept.id)).to_have_count(0)
    page.get_by_role("link", name=dropped.id).click()
    expect(page.get_by_role("heading", name="In review")).to_be_visible()
    expect(page.get_by_role("heading", name="Risk", exact=True)).to_be_visible()
    expect(page.get_by_text("Manual review (elevated risk level)")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Processor authorize of 52.00 USD"))).to_be_visible()
    page.get_by_role("button", name=f"Refund as fraudulent: {dropped.id}").click()
    expect(page.get_by_role("status")).to_have_text("The payment is refunded as fraudulent.")
    expect(page.get_by_role("heading", name="Review closed")).to_be_visible()
    assert [r.reason for r in client.v1.refunds.list(params={"payment_intent": dropped.id}).data] == ["fraudulent"]
    assert [r.open for r in client.v1.reviews.list().data] == []


def test_an_admin_rolls_a_key_with_an_expiry(page: Page, server: LynkServer) -> None:
    merchant = make_merchant(server)
    sign_in(page, server, make_user(server, merchant.id, "admin"))
    page.get_by_role("link", name="API keys").click()
    row = page.locator(f"tr#{merchant.secret_key_id}")
    row.get_by_label("Old key stops").select_option("1h")
    row.get_by_role("button", name=re.compile("^Roll")).click()
    expect(page.get_by_role("heading", name="Your new key")).to_be_visible()
    new_key = page.locator("dd.secret").inner_text().strip()
    assert new_key.startswith("sk_test_")
    expect(page.locator(f"tr#{merchant.secret_key_id}")).to_contain_text("expires")
    for key in (new_key, merchant.secret_key):  # the old key works until its expiry
        assert sdk_client(server, key).v1.customers.list().data == []


def test_the_keyboard_alone_signs_in(page: Page, server: LynkServer) -> None:
    merchant = make_merchant(server)
    user = make_user(server, merchant.id, "analyst")
    page.goto(server.base_url + BASE)
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Authentication code")).to_be_focused()
    page.keyboard.type(code_at(server, user.totp_secret))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()


# The focused control's name as a user hears it: its label's text, else its own text.
_FOCUSED = """(() => { const e = document.activeElement; if (!e) return null;
  return e.labels && e.labels[0] ? e.labels[0].textContent : e.textContent; })()"""


def _tab_to(page: Page, name: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused and focused.strip().startswith(name):
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


def test_the_keyboard_alone_refunds_part_of_a_payment(page: Page, server: LynkServer) -> None:
    merchant = make_merchant(server)
    client = sdk_client(server, merchant.secret_key)
    pi = pay(client, 3000)
    sign_in(page, server, make_user(server, merchant.id, "admin"))
    page.goto(f"{server.base_url}{BASE}/payments/{pi.id}")
    _tab_to(page, "Refund amount")
    page.keyboard.press("Control+A")
    page.keyboard.type("7.25")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Refund this payment?")).to_be_visible()
    _tab_to(page, "Refund 7.25 USD")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("The refund is made.")
    assert [r.amount for r in client.v1.refunds.list(params={"payment_intent": pi.id}).data] == [725]


@pytest.mark.parametrize("width", [375, 1280])
def test_no_serious_accessibility_violations_and_screenshots(
    browser: Browser, server: LynkServer, axe_source: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    merchant = make_merchant(server)
    client = sdk_client(server, merchant.secret_key)
    customer = client.v1.customers.create(params={"email": "axe@example.com", "name": "Axe Buyer"})
    pi = pay(client, 1999, customer=customer.id)
    reviewed = pay_with_number(client, ELEVATED, amount=2999)
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    user = make_user(server, merchant.id, "admin")
    page.goto(server.base_url + BASE)
    screenshot(page, f"dashboard-login-{width}")
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").wait_for()
    screenshot(page, f"dashboard-code-{width}")
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Authentication code").fill(code_at(server, user.totp_secret))
    page.get_by_role("button", name="Sign in").click()
    for path, name in [
        ("/home", "home"),
        ("/payments", "payments"),
        (f"/payments/{pi.id}", "payment"),
        (f"/payments/{pi.id}/refund?amount=5", "refund"),
        ("/reviews", "reviews"),
        (f"/payments/{reviewed.id}", "payment-in-review"),
        ("/customers", "customers"),
        (f"/customers/{customer.id}", "customer"),
        ("/disputes", "disputes"),
        (f"/disputes/{dispute.id}", "dispute"),
        ("/balance", "balance"),
        ("/developers/keys", "keys"),
        ("/developers/webhooks", "webhooks"),
        ("/developers/events", "events"),
        ("/audit", "audit"),
        ("/users", "users"),
    ]:
        page.goto(server.base_url + BASE + path)
        expect(page.locator("h1")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name  # no sideways scrolling
        screenshot(page, f"dashboard-{name}-{width}")
        assert axe_violations(page, axe_source) == [], name
    context.close()
