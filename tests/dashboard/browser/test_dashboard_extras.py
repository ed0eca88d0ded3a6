"""More of the dashboard in Chromium: a failing webhook endpoint (a real local receiver answering 500) highlighted
and a delivery resent from the page, arriving; the TOTP key's QR code on the set-up page; dispute evidence with a
file chosen in the form; a failed sign-in read by the admin in the audit log."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import segno
from playwright.sync_api import Browser, Page, expect

from tests.checkout.browser.conftest import axe_violations
from tests.conftest import sdk_client
from tests.dashboard.browser.test_dashboard_pages import sign_in
from tests.dashboard.support import BASE, PASSWORD, code_at, invite, make_user
from tests.disputes.support import FRAUDULENT, dispute_of, pay_with_card
from tests.files.test_files import PDF, files_client
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer
from tests.webhooks.support import Receiver, receiver, run_worker


def _delivered(server: LynkServer, hooks: Receiver, event_id: str, within: float = 30) -> list[str]:
    """Run worker passes until the receiver has verified `event_id` (a busy machine may take a few)."""
    deadline = time.monotonic() + within
    while event_id not in hooks.ids() and time.monotonic() < deadline:
        run_worker(server)
    return hooks.ids()


def test_a_failing_endpoint_is_highlighted_and_a_delivery_resent_from_the_page(page: Page, server: LynkServer) -> None:
    merchant = make_merchant(server)
    client = sdk_client(server, merchant.secret_key)
    with receiver(respond=lambda n: 500 if n == 0 else 200) as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["customer.created"]})
        hooks.secrets.append(endpoint.secret or "")
        client.v1.customers.create(params={"email": "hooked@example.com"})
        event = client.v1.events.list().data[0]
        run_worker(server)
        assert hooks.requests == 1 and hooks.ids() == []  # it answered 500
        sign_in(page, server, make_user(server, merchant.id, "developer"))
        page.get_by_role("link", name="Webhooks").click()
        card = page.locator(f"section#{endpoint.id}")
        expect(card.get_by_role("heading", name=hooks.url)).to_be_visible()
        expect(card.get_by_text(re.compile("^Failing since"))).to_be_visible()
        expect(card).to_have_class(re.compile("failing-endpoint"))
        assert card.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(192, 18, 60)"
        row = card.get_by_role("row").filter(has_text=event.id)
        expect(row.get_by_text("500", exact=True)).to_be_visible()
        row.get_by_role("button", name=f"Resend {event.id}").click()
        expect(page.get_by_role("status")).to_have_text("The event is queued for delivery again.")
        assert _delivered(server, hooks, event.id) == [event.id]  # verified with the endpoint's secret
        page.reload()
        expect(page.locator(f"section#{endpoint.id}").get_by_text("200", exact=True)).to_be_visible()


def test_the_setup_page_shows_the_totp_key_as_a_qr_code(page: Page, server: LynkServer) -> None:
    merchant = make_merchant(server)
    _email, link = invite(server, merchant.id, "admin")
    page.goto(server.base_url + link)
    qr = page.get_by_role("img", name="QR code of the authenticator key")
    expect(qr).to_be_visible()
    box = qr.locator("svg").bounding_box()
    assert box is not None and box["width"] >= 120 and box["height"] >= 120  # big enough to scan
    uri = page.get_by_role("link", name="this link").get_attribute("href") or ""
    key = page.locator("#totp-key").inner_text().strip()
    assert uri.startswith("otpauth://totp/") and f"secret={key}" in uri
    drawn = segno.make(uri, error="m").svg_inline(scale=4, border=2, svgclass="qr", omitsize=False)
    path = re.search(r' d="([^"]+)"', drawn).group(1)  # type: ignore[union-attr]
    assert qr.locator("svg path").get_attribute("d") == path  # the modules of exactly that URI


def test_dispute_evidence_with_a_file_chosen_in_the_form(page: Page, server: LynkServer, tmp_path: Path) -> None:
    merchant = make_merchant(server)
    client = sdk_client(server, merchant.secret_key)
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(PDF)
    sign_in(page, server, make_user(server, merchant.id, "support"))
    page.goto(f"{server.base_url}{BASE}/disputes/{dispute.id}")
    page.get_by_label("Customer name").fill("Jenny Rosen")
    page.get_by_label("Receipt").set_input_files(str(receipt))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_have_text("The evidence is saved as a draft.")
    expect(page.get_by_text("Uploaded: receipt.pdf (PDF, 1 KB).")).to_be_visible()
    page.get_by_role("button", name="Submit evidence").click()
    expect(page.get_by_role("status")).to_have_text("The evidence is submitted.")
    evidence = client.v1.disputes.retrieve(dispute.id).evidence
    files = files_client(server, merchant.secret_key).v1.files.list().data
    assert [f.id for f in files] == [evidence.receipt] and evidence.customer_name == "Jenny Rosen"


def test_an_admin_reads_a_failed_sign_in_in_the_audit_log(page: Page, server: LynkServer) -> None:
    merchant = make_merchant(server)
    user = make_user(server, merchant.id, "support")
    page.goto(server.base_url + BASE)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("a wrong password, typed")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("don't match")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").fill(code_at(server, user.totp_secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    page.context.clear_cookies()
    sign_in(page, server, make_user(server, merchant.id, "admin"))
    page.get_by_role("link", name="Audit log").click()
    failed = page.get_by_role("row").filter(has_text="sign in failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text(user.email)
    expect(failed).to_contain_text("step: password")
    expect(page.get_by_text("a wrong password, typed")).to_have_count(0)


@pytest.mark.parametrize("width", [375, 1280])
def test_the_setup_and_recovery_pages_pass_axe(
    browser: Browser, server: LynkServer, axe_source: str, width: int
) -> None:
    """The pages before sign-in that the signed-in sweep (test_dashboard_pages.py) cannot reach."""
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    _email, link = invite(server, make_merchant(server).id, "admin")
    page.goto(server.base_url + link)
    assert axe_violations(page, axe_source) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # the QR code fits
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Code from the app").fill(code_at(server, page.locator("#totp-key").inner_text().strip()))
    page.get_by_role("button", name="Finish setting up").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    assert axe_violations(page, axe_source) == []
    context.close()


def test_a_support_user_has_no_keys_and_another_merchants_payment_is_not_found(page: Page, server: LynkServer) -> None:
    theirs = make_merchant(server)
    their_payment = pay_with_card(sdk_client(server, theirs.secret_key), FRAUDULENT, amount=4500)
    merchant = make_merchant(server)
    sign_in(page, server, make_user(server, merchant.id, "support"))
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Payments", exact=True)).to_be_visible()
    for hidden in ("API keys", "Webhooks", "Events", "Balance", "Audit log", "Users"):
        expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    page.goto(f"{server.base_url}{BASE}/developers/keys")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Roll"))).to_have_count(0)
    page.goto(f"{server.base_url}{BASE}/payments/{their_payment.id}")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("45.00")).to_have_count(0)
