"""Live mode sends codes for real: email over SMTP (to a local aiosmtpd server) and SMS through the signed
HTTP webhook (to a local receiver). Nothing is stored for the test helper, and the shopper verifies with
the code that arrived."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.checkout.factories import Shopper, make_session
from tests.conftest import sdk_client
from tests.link.support import new_email, new_phone
from tests.merchants.factories import MerchantKeys, make_live_keys, make_merchant
from tests.servers import LynkServer, free_port

SMS_SECRET = "sms-bridge-secret"


class _Inbox:
    def __init__(self) -> None:
        self.mails: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


class _SmsReceiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def live_senders(server: LynkServer) -> Iterator[tuple[_Inbox, type[_SmsReceiver]]]:
    inbox = _Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    _SmsReceiver.received = []
    http = HTTPServer(("127.0.0.1", free_port()), _SmsReceiver)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    settings = server.runtime.settings
    saved = (settings.link_smtp_host, settings.link_smtp_port, settings.link_smtp_starttls)
    saved_sms = (settings.link_sms_webhook_url, settings.link_sms_webhook_secret)
    settings.link_smtp_host, settings.link_smtp_port, settings.link_smtp_starttls = "127.0.0.1", smtp.port, False
    settings.link_sms_webhook_url = f"http://127.0.0.1:{http.server_port}/sms"
    settings.link_sms_webhook_secret = SMS_SECRET
    try:
        yield inbox, _SmsReceiver
    finally:
        settings.link_smtp_host, settings.link_smtp_port, settings.link_smtp_starttls = saved
        settings.link_sms_webhook_url, settings.link_sms_webhook_secret = saved_sms
        http.shutdown()
        smtp.stop()


def _wait_for(found: Any) -> Any:
    for _ in range(200):
        value = found()
        if value:
            return value
        time.sleep(0.025)
    raise AssertionError("nothing arrived")


def _code(text: str) -> str:
    match = re.search(r"code is (\d{6})", text)
    assert match, text
    return match.group(1)


def test_live_codes_go_by_sms_webhook_and_smtp(
    server: LynkServer, live_senders: tuple[_Inbox, type[_SmsReceiver]]
) -> None:
    inbox, sms = live_senders
    merchant: MerchantKeys = make_merchant(server)
    live_secret, live_publishable = make_live_keys(server, merchant.id)
    http = httpx.Client(base_url=server.base_url, auth=(live_publishable, ""))
    email, phone = new_email(), new_phone()
    created = http.post("/v1/link/consumers", data={"email_address": email, "phone_number": phone})
    assert created.status_code == 200, created.text
    session = created.json()["consumer_session"]
    assert session["livemode"] is True

    headers, body = _wait_for(lambda: sms.received[-1] if sms.received else None)
    sent = json.loads(body)
    assert sent["to"] == phone
    timestamp, signature = (part.split("=", 1)[1] for part in headers["Lynk-Signature"].split(","))
    expected = hmac.new(SMS_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)

    secret = session["client_secret"]
    by_email = http.post(
        "/v1/link/consumer_sessions/start_verification",
        data={"consumer_session_client_secret": secret, "type": "email"},
    )
    assert by_email.status_code == 200, by_email.text
    mail = _wait_for(lambda: inbox.mails[-1] if inbox.mails else None)
    assert f"To: {email}" in mail
    confirmed = http.post(
        "/v1/link/consumer_sessions/confirm_verification",
        data={"consumer_session_client_secret": secret, "code": _code(mail)},
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "verified"

    # Live mode stores nothing for the test helper, which only test keys may read.
    helper = httpx.get(f"{server.base_url}/v1/test_helpers/link/messages", params={"to": phone}, auth=(live_secret, ""))
    assert helper.status_code == 400


def test_the_hosted_pages_link_steps_send_live_codes_too(
    server: LynkServer, live_senders: tuple[_Inbox, type[_SmsReceiver]]
) -> None:
    """A live shopper recognised on the hosted checkout page gets the code (it was issued but never sent)."""
    _inbox, sms = live_senders
    merchant: MerchantKeys = make_merchant(server)
    live_secret, live_publishable = make_live_keys(server, merchant.id)
    email, phone = new_email(), new_phone()
    http = httpx.Client(base_url=server.base_url, auth=(live_publishable, ""))
    assert http.post("/v1/link/consumers", data={"email_address": email, "phone_number": phone}).status_code == 200
    _wait_for(lambda: sms.received)
    sms.received.clear()

    session = make_session(sdk_client(server, live_secret), payment_method_types=["card", "link"])
    assert session.livemode is True
    shopper = Shopper(server)
    shopper.open(session.url or "")
    found = shopper.http.post(
        f"/c/pay/{session.id}/link/lookup", json={"email": email}, headers={"X-CSRF-Token": shopper.token}
    )
    assert found.status_code == 200 and found.json()["code_sent"] is True, found.text
    _headers, body = _wait_for(lambda: sms.received[-1] if sms.received else None)
    assert json.loads(body)["to"] == phone
    code = _code(json.loads(body)["body"])
    verified = shopper.http.post(
        f"/c/pay/{session.id}/link/verify",
        json={"secret": found.json()["secret"], "code": code},
        headers={"X-CSRF-Token": shopper.token},
    )
    assert verified.status_code == 200 and verified.json()["outcome"] == "verified", verified.text
