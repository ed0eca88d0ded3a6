"""Factories for the account-page tests: a shopper saved at one merchant (`home`) who paid with Link at
another (`shop`) with `setup_future_usage=off_session`, so the shop holds a grant; and a browser on the
test-mode account page (httpx with its cookie jar, sending the page's CSRF token as its forms do)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.link.support import Browser, latest_code, link_intent, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer

BASE = "/test/account"
CSRF_COOKIE = "lynk_account_test_csrf"
SESSION_COOKIE = "lynk_account_test"


@dataclass(frozen=True)
class Shopper:
    email: str
    phone: str
    home: MerchantKeys  # where the account was born (its test key reads the account page's codes)
    shop: MerchantKeys  # where the shopper paid with Link and left an off-session grant
    method: str  # the shop's `link` PaymentMethod


def saved_shopper(server: LynkServer, *, shop_name: str | None = None, number: str = "4242424242424242") -> Shopper:
    email, phone = new_email(), new_phone()
    home = make_merchant(server)
    pay_and_opt_in(server, home, email, phone, number=number)
    shop = make_merchant(server, shop_name)
    checkout = Browser(server, shop)
    checkout.login(email, phone)
    paid = pay_with_link(checkout, link_intent(server, shop), setup_future_usage="off_session")
    assert paid.status_code == 200, paid.text
    return Shopper(email, phone, home, shop, str(paid.json()["payment_method"]))


@dataclass
class AccountBrowser:
    """One browser on the test-mode account page."""

    server: LynkServer
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.server.base_url, timeout=30)

    def page(self, path: str = "") -> httpx.Response:
        return self.http.get(BASE + path)

    def csrf(self) -> str:
        """The token the page's forms carry (which must be the one its cookie holds)."""
        page = self.page()
        if page.status_code == 303:
            page = self.http.get(page.headers["location"])
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None and found.group(1) == self.http.cookies[CSRF_COOKIE], page.text
        return found.group(1)

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True) -> httpx.Response:
        body = dict(data or {})
        if csrf:
            body.setdefault("csrf_token", self.csrf())
        return self.http.post(BASE + path, data=body)

    def start(self, email: str) -> httpx.Response:
        return self.post("/login", {"email": email})

    def log_in(self, shopper: Shopper, *, remember: bool = False) -> httpx.Response:
        started = self.start(shopper.email)
        assert started.status_code == 303 and "/verify" in started.headers["location"], started.text
        data = {"code": latest_code(self.server, shopper.home, shopper.phone)}
        if remember:
            data["remember_me"] = "yes"
        done = self.post("/verify", data)
        assert done.status_code == 303 and done.headers["location"] == BASE, done.text
        return self.page()


def ids(html: str, prefix: str) -> list[str]:
    """The ids of the listed items (`<li … id="csmrpd_…">`) on the overview, in order."""
    return re.findall(rf'<li class="item" id="({prefix}_[^"]+)"', html)


def events_of(server: LynkServer, merchant: MerchantKeys, kind: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server.base_url}/v1/events", params={"type": kind}, auth=(merchant.secret_key, ""), timeout=30
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data
