"""Factories for the Link tests: a shopper's browser (httpx with its cookie jar) calling the consumer API
with a merchant's publishable key, as Lynk's pages do, and the test-message reader."""

from __future__ import annotations

import itertools
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

_phones = itertools.count(1)
_first_line = secrets.randbelow(10_000)  # another run's numbers, on a database kept between runs


def new_email() -> str:
    return f"shopper.{uuid.uuid4().hex[:10]}@example.com"


def new_phone() -> str:
    """A new US number, each in another range than the 999 before it. Lynk caps the codes texted per range
    (all but the last 4 digits, `link_sms_per_prefix_hourly`: 30 an hour), and the whole suite's shoppers
    text well over a thousand codes within the hour. Random numbers fell in only 91 ranges, so now and then
    one range reached the cap and a shopper's code was never sent."""
    n = next(_phones)
    return f"+1415{n % 1_000:03d}{(_first_line + n // 1_000) % 10_000:04d}"


@dataclass
class Browser:
    """One shopper's browser at one merchant's checkout: keeps Lynk's cookies between calls."""

    server: LynkServer
    merchant: MerchantKeys
    http: httpx.Client = field(init=False)
    secret: str | None = None

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.server.base_url, timeout=30)

    def at(self, merchant: MerchantKeys) -> Browser:
        """The same browser (same cookies) at another merchant's checkout."""
        other = Browser(self.server, merchant)
        other.http.cookies = self.http.cookies
        return other

    def post(self, path: str, data: dict[str, Any] | None = None, *, with_secret: bool = True) -> httpx.Response:
        body = dict(data or {})
        if with_secret and self.secret and "consumer_session_client_secret" not in body:
            body["consumer_session_client_secret"] = self.secret
        return self.http.post(path, data=body, auth=(self.merchant.publishable_key, ""))

    def lookup(self, email: str) -> httpx.Response:
        response = self.post("/v1/link/consumers/lookup", {"email_address": email}, with_secret=False)
        session = response.json().get("consumer_session") if response.status_code == 200 else None
        if session:
            self.secret = session["client_secret"]
        return response

    def verify(self, to: str, channel: str = "sms") -> dict[str, Any]:
        started = self.post("/v1/link/consumer_sessions/start_verification", {"type": channel})
        assert started.status_code == 200, started.text
        code = latest_code(self.server, self.merchant, to)
        confirmed = self.post("/v1/link/consumer_sessions/confirm_verification", {"code": code})
        assert confirmed.status_code == 200, confirmed.text
        body: dict[str, Any] = confirmed.json()
        return body

    def login(self, email: str, to: str) -> None:
        found = self.lookup(email)
        assert found.json()["exists"] is True, found.text
        assert self.verify(to)["status"] == "verified"


def messages(server: LynkServer, merchant: MerchantKeys, to: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server.base_url}/v1/test_helpers/link/messages", params={"to": to}, auth=(merchant.secret_key, "")
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def latest_code(server: LynkServer, merchant: MerchantKeys, to: str) -> str:
    found = messages(server, merchant, to)
    assert found, f"no message to {to}"
    return str(found[0]["code"])


def pay_and_opt_in(
    server: LynkServer, merchant: MerchantKeys, email: str, phone: str, *, number: str = "4242424242424242"
) -> dict[str, Any]:
    """A new shopper pays by card at `merchant` and ticks "save my information" (an account is born)."""
    response = httpx.post(
        f"{server.base_url}/v1/payment_intents",
        data={
            "amount": "2500",
            "currency": "usd",
            "payment_method_types[0]": "card",
            "payment_method_types[1]": "link",
            "confirm": "true",
            "payment_method_data[type]": "card",
            "payment_method_data[card][number]": number,
            "payment_method_data[card][exp_month]": "12",
            "payment_method_data[card][exp_year]": "2034",
            "payment_method_data[card][cvc]": "123",
            "link_signup[email]": email,
            "link_signup[phone]": phone,
            "link_signup[name]": "Ada Shopper",
            "link_signup[country]": "US",
        },
        auth=(merchant.secret_key, ""),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def link_intent(server: LynkServer, merchant: MerchantKeys, amount: int = 1800) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base_url}/v1/payment_intents",
        data={
            "amount": str(amount),
            "currency": "usd",
            "payment_method_types[0]": "card",
            "payment_method_types[1]": "link",
        },
        auth=(merchant.secret_key, ""),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def pay_with_link(browser: Browser, intent: dict[str, Any], **extra: str) -> httpx.Response:
    data = {
        "client_secret": intent["client_secret"],
        "payment_method_data[type]": "link",
        "payment_method_data[link][consumer_session_client_secret]": browser.secret or "",
        **extra,
    }
    return browser.http.post(
        f"/v1/payment_intents/{intent['id']}/confirm", data=data, auth=(browser.merchant.publishable_key, "")
    )


def account_from_another_network(server: LynkServer, merchant: MerchantKeys) -> tuple[str, str]:
    """A Link account with a saved card, signed up at `merchant` and verified from her phone at home
    (127.0.0.2): every source it knows is there, so a browser on 127.0.0.1 is a new device on a new network."""
    email, phone = new_email(), new_phone()
    home = Browser(server, merchant)
    home.http = httpx.Client(
        base_url=server.base_url, timeout=30, transport=httpx.HTTPTransport(local_address="127.0.0.2")
    )
    signed = home.post(
        "/v1/link/consumers",
        {"email_address": email, "phone_number": phone, "legal_name": "Ada Shopper", "country": "US"},
        with_secret=False,
    )
    assert signed.status_code == 200, signed.text
    home.secret = signed.json()["consumer_session"]["client_secret"]
    home.verify(phone)
    card = {"card[number]": "4242424242424242", "card[exp_month]": "4", "card[exp_year]": "2035", "card[cvc]": "123"}
    assert home.post("/v1/link/payment_details", card).status_code == 200
    return email, phone
