"""Lynk's pages have an icon: nothing they load answers 404 (no "favicon.ico 404" in the console)."""

from __future__ import annotations

import httpx
import pytest
import stripe
from playwright.sync_api import Page

from tests.checkout.factories import make_session
from tests.servers import LynkServer


def _three_d_secure_url(client: stripe.StripeClient) -> str:
    pi = client.v1.payment_intents.create(
        params={"amount": 900, "currency": "usd", "payment_method": "pm_card_threeDSecure2Required", "confirm": True}
    )
    return str(pi.next_action.redirect_to_url.url)


@pytest.mark.parametrize("which", ["checkout", "account", "3ds"])
def test_pages_link_an_icon_that_loads(page: Page, server: LynkServer, client: stripe.StripeClient, which: str) -> None:
    url = {
        "checkout": lambda: make_session(client).url or "",
        "account": lambda: f"{server.base_url}/test/account",
        "3ds": lambda: _three_d_secure_url(client),
    }[which]()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    href = page.evaluate("() => document.querySelector('link[rel~=icon]').href")
    icon = page.request.get(href)
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert missing == [] and errors == []


def test_favicon_ico_answers_for_browsers_that_ask_it(server: LynkServer) -> None:
    answer = httpx.get(f"{server.base_url}/favicon.ico")
    assert answer.status_code == 200 and answer.content.startswith(b"<svg")
