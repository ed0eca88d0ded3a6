"""The account page over HTTP: logging in by code (strict as at checkout), its cookies and headers, CSRF on
every POST, the shopper's own items only, and what each action does at the merchants' side."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.account.support import (
    BASE,
    SESSION_COOKIE,
    AccountBrowser,
    events_of,
    ids,
    saved_shopper,
)
from tests.conftest import sdk_client
from tests.link.support import Browser, latest_code, link_intent, messages, pay_with_link
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer


def _cookie_header(response: httpx.Response, name: str) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert found, response.headers
    return found[0]


def test_not_logged_in_shows_the_email_form_with_strict_headers(server: LynkServer) -> None:
    page = AccountBrowser(server).page()
    assert page.status_code == 200
    assert '<label for="email">Email</label>' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    csrf = _cookie_header(page, "lynk_account_test_csrf").lower()
    assert "httponly" in csrf and "samesite=strict" in csrf and "path=/test/account" in csrf


def test_every_post_without_the_pages_token_is_refused(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    browser.log_in(shopper)
    detail = ids(browser.page().text, "csmrpd")[0]
    for path, data in [
        ("/login", {"email": shopper.email}),
        (f"/details/{detail}/remove", {}),
        ("/export", {}),
        ("/delete", {"confirm": "yes"}),
    ]:
        assert browser.post(path, data, csrf=False).status_code == 403
        assert browser.post(path, {**data, "csrf_token": "x" * 43}).status_code == 403
    other_site = browser.http.post(
        BASE + f"/details/{detail}/remove",
        data={"csrf_token": browser.csrf()},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403
    assert ids(browser.page().text, "csmrpd") == [detail]  # nothing was removed


def test_a_code_is_required_and_the_session_cookie_is_strict(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    started = browser.start(shopper.email.upper())
    assert started.status_code == 303 and started.headers["location"] == f"{BASE}/verify?via=sms"
    cookie = _cookie_header(started, SESSION_COOKIE).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/test/account" in cookie
    assert "max-age" not in cookie and "expires" not in cookie

    assert browser.page().headers["location"] == f"{BASE}/verify"  # not in without the code
    verify = browser.page("/verify")
    assert '<label for="code">Verification code</label>' in verify.text and "*" in verify.text
    code = latest_code(server, shopper.home, shopper.phone)
    wrong = browser.post("/verify", {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "4 attempts left" in wrong.text
    assert browser.post("/verify", {"code": code}).status_code == 303
    overview = browser.page()
    assert overview.status_code == 200 and shopper.email in overview.text
    assert "•••• 4242" in overview.text and "4242424242424242" not in overview.text
    # a spent code is worth nothing to another browser that starts over (it has a code of its own)
    again = AccountBrowser(server)
    again.start(shopper.email)
    assert latest_code(server, shopper.home, shopper.phone) != code
    assert again.post("/verify", {"code": code}).status_code == 400


def test_account_page_codes_are_read_with_the_signup_merchants_test_key_only(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    before = len(messages(server, shopper.home, shopper.phone))
    AccountBrowser(server).start(shopper.email)
    assert len(messages(server, shopper.home, shopper.phone)) == before + 1
    assert messages(server, make_merchant(server), shopper.phone) == []


def test_an_unknown_email_and_a_bad_one_get_a_clear_message(server: LynkServer) -> None:
    browser = AccountBrowser(server)
    unknown = browser.start("nobody.here@example.com")
    assert unknown.status_code == 404 and "There is no Lynk account for this email" in unknown.text
    bad = browser.start("not an email")
    assert bad.status_code == 400 and "Invalid email address" in bad.text
    empty = browser.start("")
    assert empty.status_code == 400 and "Enter your email address" in empty.text


def test_test_mode_shoppers_are_not_on_the_live_page(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    http = httpx.Client(base_url=server.base_url)
    page = http.get("/account")
    assert page.status_code == 200 and "Test mode" not in page.text
    refused = http.post(
        "/account/login", data={"email": shopper.email, "csrf_token": http.cookies["lynk_account_csrf"]}
    )
    assert refused.status_code == 404


def test_the_sessions_of_checkout_and_of_the_account_page_do_not_mix(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    account = AccountBrowser(server)
    account.log_in(shopper)
    secret = account.http.cookies[SESSION_COOKIE]
    checkout = Browser(server, shopper.shop)
    checkout.http.cookies = account.http.cookies
    checkout.secret = secret
    refused = pay_with_link(checkout, link_intent(server, shopper.shop))
    assert refused.status_code == 401 and "another merchant" in refused.json()["error"]["message"]

    at_shop = Browser(server, shopper.shop)
    at_shop.login(shopper.email, shopper.phone)
    stranger = AccountBrowser(server)
    stranger.http.cookies.set(SESSION_COOKIE, at_shop.secret or "", path=BASE)
    assert 'for="email">Email<' in stranger.page().text  # a checkout session never opens the account page


def test_another_shoppers_items_are_not_found(server: LynkServer) -> None:
    mine, theirs = saved_shopper(server), saved_shopper(server)
    me, them = AccountBrowser(server), AccountBrowser(server)
    me.log_in(mine)
    their_page = them.log_in(theirs).text
    their_detail = ids(their_page, "csmrpd")[0]
    for path in (
        f"/details/{their_detail}/remove",
        f"/details/{their_detail}/default",
        f"/shops/{theirs.shop.id}/revoke",
    ):
        refused = me.post(path)
        assert refused.status_code == 404 and "not in your Lynk account" in refused.text
    asked = me.page(f"/details/{their_detail}/remove")  # the confirmation page of another's card
    assert asked.status_code == 404 and "not in your Lynk account" in asked.text
    assert ids(them.page().text, "csmrpd") == [their_detail]
    assert "Revoke access" in them.page().text


def test_remove_a_card_and_revoke_a_grant(server: LynkServer) -> None:
    shopper = saved_shopper(server, shop_name="Grant Shop")
    browser = AccountBrowser(server)
    overview = browser.log_in(shopper).text
    assert "Grant Shop" in overview and "may charge you later" in overview
    assert ids(overview, "acct") == [shopper.home.id, shopper.shop.id]  # where she joined, then the shop
    revoked = browser.post(f"/shops/{shopper.shop.id}/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == f"{BASE}?done=revoked"
    after = browser.http.get(revoked.headers["location"]).text
    assert "Access revoked: that merchant can no longer charge you" in after and "· access revoked" in after
    detached = events_of(server, shopper.shop, "payment_method.detached")
    assert [e["data"]["object"]["id"] for e in detached] == [shopper.method]

    client = sdk_client(server, shopper.shop.secret_key)
    with pytest.raises(Exception) as failure:
        client.v1.payment_intents.create(
            params={
                "amount": 500,
                "currency": "usd",
                "payment_method_types": ["card", "link"],
                "payment_method": shopper.method,
                "off_session": True,
                "confirm": True,
            }
        )
    assert "revoked" in str(failure.value)

    detail = ids(after, "csmrpd")[0]
    assert f'href="{BASE}/details/{detail}/remove"' in after  # "Remove" asks first, on a page of its own
    asked = browser.page(f"/details/{detail}/remove")
    assert asked.status_code == 200 and "Remove Visa •••• 4242?" in asked.text and "Keep this card" in asked.text
    assert ids(browser.page().text, "csmrpd") == [detail]  # asking removed nothing
    assert browser.post(f"/details/{detail}/remove").headers["location"] == f"{BASE}?done=removed"
    page = browser.page().text
    assert ids(page, "csmrpd") == [] and "No saved cards" in page


def test_default_card_nickname_and_addresses(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    browser.log_in(shopper)
    detail = ids(browser.page().text, "csmrpd")[0]
    assert browser.post(f"/details/{detail}/nickname", {"nickname": "Everyday"}).status_code == 303
    assert "“Everyday”" in browser.page().text
    too_long = browser.post(f"/details/{detail}/nickname", {"nickname": "x" * 101})
    assert too_long.status_code == 400 and "at most 100 characters" in too_long.text

    home = {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "us"}
    assert browser.post("/addresses", home).status_code == 303
    work = {**home, "line1": "2 Work Ave", "phone": "+14155550123", "is_default": "yes"}
    assert browser.post("/addresses", work).status_code == 303
    page = browser.page().text
    first, second = ids(page, "csmrsa")
    assert "2 Work Ave" in page and page.index("Default", page.index(second)) < page.index("</li>", page.index(second))
    assert browser.post(f"/addresses/{first}/default").status_code == 303
    assert browser.post(f"/addresses/{second}/remove").status_code == 303
    assert ids(browser.page().text, "csmrsa") == [first]

    bad = browser.post("/addresses", {**home, "country": "USA"})
    assert bad.status_code == 400 and "two-letter code" in bad.text
    missing = browser.post("/addresses", {**home, "line1": ""})
    assert missing.status_code == 400 and "address line 1" in missing.text
    bad_phone = browser.post("/addresses", {**home, "phone": "12"})
    assert bad_phone.status_code == 400 and "E.164" in bad_phone.text


def test_a_remembered_device_skips_the_code_until_logged_out(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    browser.log_in(shopper, remember=True)
    device = ids(browser.page().text, "ldev")
    assert len(device) == 1
    assert browser.post("/logout").headers["location"] == f"{BASE}?done=logged_out"
    assert 'for="email">Email<' in browser.page().text

    back = browser.start(shopper.email)
    assert back.status_code == 303 and back.headers["location"] == BASE  # trusted: no code
    assert browser.post(f"/devices/{device[0]}/log_out").status_code == 303
    assert 'for="email">Email<' in browser.page().text  # that browser's sessions ended with it
    again = browser.start(shopper.email)
    assert "/verify" in again.headers["location"]


def test_log_out_all_devices(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    first, second = AccountBrowser(server), AccountBrowser(server)
    first.log_in(shopper, remember=True)
    second.log_in(shopper, remember=True)
    assert len(ids(second.page().text, "ldev")) == 2
    assert second.post("/devices/log_out_all").status_code == 303
    assert 'for="email">Email<' in first.page().text
    assert "/verify" in first.start(shopper.email).headers["location"]


def test_an_idle_session_expires(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    browser.log_in(shopper)
    server.clock.advance(server.runtime.settings.link_session_idle_seconds + 1)
    page = browser.page()
    assert page.status_code == 200 and 'for="email">Email<' in page.text
    assert browser.post(f"/details/{'csmrpd_x'}/remove").headers["location"] == f"{BASE}?done=expired"


def test_export_downloads_everything_lynk_holds(server: LynkServer) -> None:
    shopper = saved_shopper(server, shop_name="Export Shop")
    browser = AccountBrowser(server)
    browser.log_in(shopper)
    export = browser.post("/export")
    assert export.status_code == 200
    assert export.headers["content-disposition"] == 'attachment; filename="lynk-account.json"'
    data = export.json()
    assert data["object"] == "link.account_export" and data["account"]["email"] == shopper.email
    assert [d["card"]["last4"] for d in data["payment_details"]] == ["4242"]
    assert [(g["merchant"], g["merchant_name"]) for g in data["grants"]] == [(shopper.shop.id, "Export Shop")]
    assert "4242424242424242" not in export.text


def test_delete_needs_confirmation_then_erases_and_logs_out(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    browser.log_in(shopper)
    confirm = browser.page("/delete")
    assert confirm.status_code == 200 and "Delete my account" in confirm.text
    unconfirmed = browser.post("/delete")
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    deleted = browser.post("/delete", {"confirm": "yes"})
    assert deleted.status_code == 200 and "Your account is deleted" in deleted.text
    assert SESSION_COOKIE not in browser.http.cookies
    assert events_of(server, shopper.shop, "payment_method.detached")[0]["data"]["object"]["id"] == shopper.method
    assert browser.start(shopper.email).status_code == 404
    lookup = Browser(server, shopper.shop).lookup(shopper.email)
    assert lookup.json()["exists"] is False


def test_wrong_codes_lock_the_account_here_as_at_checkout(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    settings = server.runtime.settings
    for _ in range(settings.link_failures_before_lock // settings.link_code_max_attempts):
        browser = AccountBrowser(server)
        browser.start(shopper.email)
        code = latest_code(server, shopper.home, shopper.phone)
        for _ in range(settings.link_code_max_attempts):
            last = browser.post("/verify", {"code": "000000" if code != "000000" else "111111"})
    assert last.status_code == 400 and "locked" in last.text
    locked = AccountBrowser(server).start(shopper.email)
    assert locked.status_code == 429 and "try again in 15 minutes" in locked.text
    # the lock is the account's: checkout refuses to send a code too
    at_shop = Browser(server, shopper.shop)
    at_shop.lookup(shopper.email)
    refused = at_shop.post("/v1/link/consumer_sessions/start_verification", {"type": "sms"})
    assert refused.status_code == 429


def test_code_sends_are_limited_per_account(server: LynkServer) -> None:
    shopper = saved_shopper(server)  # one code was sent at the shop already
    browser = AccountBrowser(server)
    browser.start(shopper.email)
    for _ in range(server.runtime.settings.link_sends_per_source - 1):  # per browser; the shop's was another
        assert browser.post("/verify/resend").status_code == 303
    refused = browser.post("/verify/resend", {"channel": "email"})
    assert refused.status_code == 429 and "Too many verification codes sent" in refused.text


def test_no_code_or_session_secret_in_logs_and_no_merchant_metrics(server: LynkServer, lynk_log: Path) -> None:
    shopper = saved_shopper(server)

    def figures() -> dict[str, object]:
        response = httpx.get(f"{server.base_url}/v1/link/metrics", auth=(shopper.home.secret_key, ""))
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    before = figures()
    browser = AccountBrowser(server)
    browser.log_in(shopper)
    code = latest_code(server, shopper.home, shopper.phone)
    secret = browser.http.cookies[SESSION_COOKIE]
    assert figures() == before  # account-page log-ins are not the merchant's lookups or verifications
    logged = lynk_log.read_text()
    assert secret not in logged and f"code={code}" not in logged and f"is {code}" not in logged


def test_add_a_card_once_and_bad_cards_are_refused(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    browser.log_in(shopper)
    card = {"number": "5555 5555 5555 4444", "expiration": "12 / 34", "cvc": "123", "nickname": "Work"}
    added = browser.post("/details", {**card, "is_default": "yes"})
    assert added.status_code == 303 and added.headers["location"] == f"{BASE}?done=card_added"
    page = browser.page().text
    assert "Mastercard •••• 4444" in page and "“Work”" in page and "5555555555554444" not in page
    first, second = ids(page, "csmrpd")
    assert page.index("Default", page.index(second)) < page.index("</li>", page.index(second))
    assert browser.post("/details", card).status_code == 303
    assert ids(browser.page().text, "csmrpd") == [first, second]  # the same card is not saved twice

    wrong = browser.post("/details", {**card, "number": "4242424242424241"})
    assert wrong.status_code in (400, 402) and "card number" in wrong.text.lower()
    assert "4242424242424241" not in wrong.text
    no_expiry = browser.post("/details", {**card, "expiration": "soon"})
    assert no_expiry.status_code == 400 and "MM / YY" in no_expiry.text
    no_cvc = browser.post("/details", {**card, "cvc": ""})
    assert no_cvc.status_code == 400 and "security code" in no_cvc.text


def test_a_saved_bank_account_is_listed_by_its_bank_without_an_expiry(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    wallet = Browser(server, shopper.shop)
    wallet.login(shopper.email, shopper.phone)
    bank = {
        "type": "us_bank_account",
        "us_bank_account[routing_number]": "110000000",
        "us_bank_account[account_number]": "000123456789",
    }
    saved = wallet.post("/v1/link/payment_details", bank)
    assert saved.status_code == 200, saved.text
    overview = AccountBrowser(server).log_in(shopper).text
    item = overview.split(f'id="{saved.json()["id"]}"', 1)[1].split("</li>", 1)[0]
    assert "STRIPE TEST BANK •••• 6789" in item and "000123456789" not in overview
    assert "Expires" not in item
    card = overview.split(f'id="{ids(overview, "csmrpd")[0]}"', 1)[1].split("</li>", 1)[0]
    assert "Expires " in card


def test_each_shop_once_with_its_cards_and_where_she_joined(server: LynkServer) -> None:
    """Issue 12 item 14: two payments at one shop are one entry; the shop where she signed up is listed."""
    shopper = saved_shopper(server, shop_name="Twice Shop")
    checkout = Browser(server, shopper.shop)
    checkout.login(shopper.email, shopper.phone)
    again = pay_with_link(checkout, link_intent(server, shopper.shop), setup_future_usage="off_session")
    assert again.status_code == 200, again.text
    browser = AccountBrowser(server)
    page = browser.log_in(shopper).text
    shops = page[page.index('id="grants-h"') : page.index('id="devices-h"')]
    assert shops.count("Twice Shop") == 2  # its name, and the revoke button's hidden "of Twice Shop"
    assert ids(page, "acct") == [shopper.home.id, shopper.shop.id]
    assert "You joined Lynk here" in shops and "Visa •••• 4242" in shops and "may charge you later" in shops


def test_remembered_devices_are_named_by_browser_and_system(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    browser.http.headers["User-Agent"] = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    )
    page = browser.log_in(shopper, remember=True).text
    assert "<strong>Chrome on Linux</strong>" in page and "Mozilla/5.0" not in page


def test_add_a_card_the_processor_declines_is_refused_and_not_saved(server: LynkServer) -> None:
    """Issue 12 item 14: "Add a card" verifies the card (a zero-amount authorization) before keeping it."""
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    browser.log_in(shopper)
    before = ids(browser.page().text, "csmrpd")
    card = {"number": "4000 0000 0000 0002", "expiration": "12 / 34", "cvc": "123"}
    declined = browser.post("/details", card)
    assert declined.status_code == 402
    assert "Your card was declined. It was not saved: try another card." in declined.text
    assert ids(browser.page().text, "csmrpd") == before
    fine = browser.post("/details", {**card, "number": "5555 5555 5555 4444"})
    assert fine.status_code == 303 and len(ids(browser.page().text, "csmrpd")) == len(before) + 1
