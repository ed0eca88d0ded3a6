"""Setting up and signing in, beyond the happy path: the TOTP key as a QR code (the `otpauth://` URI, drawn by
segno on the server) next to the key as text, and failed sign-ins (a wrong password, a wrong code) in the
merchant's audit log for its admin, without what was typed."""

from __future__ import annotations

import html
import re

import segno

from tests.dashboard.support import BASE, PASSWORD, Dashboard, code_at, invite, make_user
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


def test_the_setup_page_shows_the_totp_key_as_a_qr_code_and_as_text(server: LynkServer, merchant: MerchantKeys) -> None:
    _email, link = invite(server, merchant.id, "developer")
    page = Dashboard(server).get(link).text
    uri = html.unescape(re.search(r'<a href="(otpauth://[^"]+)"', page).group(1))  # type: ignore[union-attr]
    key = re.search(r'id="totp-key">([A-Z2-7]{32})<', page).group(1)  # type: ignore[union-attr]
    assert uri.startswith("otpauth://totp/") and f"secret={key}" in uri and "issuer=" in uri
    # The QR code is segno's drawing of exactly that URI (the same library and options draw it here).
    drawn = segno.make(uri, error="m").svg_inline(scale=4, border=2, svgclass="qr", omitsize=False)
    assert drawn in page
    assert 'role="img" aria-label="QR code of the authenticator key"' in page


def test_failed_sign_ins_are_in_the_audit_log_without_what_was_typed(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    user = make_user(server, merchant.id, "analyst")
    wrong_password = "not the password at all"
    stranger = Dashboard(server)
    refused = stranger.post(f"{BASE}/login", {"email": user.email, "password": wrong_password})
    assert refused.status_code == 401
    stranger.post(f"{BASE}/login", {"email": user.email, "password": PASSWORD})
    wrong_code = "000000" if code_at(server, user.totp_secret) != "000000" else "111111"
    assert stranger.post(f"{BASE}/login/code", {"code": wrong_code}).status_code == 401
    unknown = stranger.post(f"{BASE}/login", {"email": "nobody@shop.example", "password": wrong_password})
    assert unknown.status_code == 401  # no user: nothing to record, and the same answer

    admin = Dashboard(server)
    admin.sign_in(make_user(server, merchant.id, "admin"))
    log = admin.get(f"{BASE}/audit").text
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", log)
    failed = [(who, on) for who, action, on in rows if action == "sign in failed"]
    assert failed == [(user.email, "step: second factor"), (user.email, "step: password")]  # newest first
    assert wrong_password not in log and wrong_code not in log and "nobody@shop.example" not in log
    # The lockout still counts a wrong password: it is what the audit entry was recorded beside.
    assert "signed in" in [action for _who, action, _on in rows]
