"""Checkout Sessions made through the SDK, and a shopper who pays one through the hosted page's own calls."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import stripe

from tests.servers import LynkServer


def make_session(client: stripe.StripeClient, **extra: Any) -> stripe.checkout.Session:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "usd", "unit_amount": 1_500, "product_data": {"name": "T-shirt"}},
                "quantity": 2,
            },
            {"price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "Socks"}}, "quantity": 1},
        ],
        "success_url": "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.example/cart",
    }
    params.update(extra)
    return client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]


class Shopper:
    """A browser without JavaScript: loads the page (cookie and token), then posts what checkout.js posts."""

    def __init__(self, server: LynkServer | str, timeout: float = 30) -> None:
        base_url = server if isinstance(server, str) else server.base_url
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=timeout)
        self.token = ""

    def open(self, url: str) -> httpx.Response:
        page = self.http.get(url)
        found = re.search(r'data-csrf="([^"]+)"', page.text)
        self.token = found.group(1) if found else ""
        return page

    def pay(
        self, session_id: str, number: str = "4242424242424242", *, attempt: str | None = None, **extra: Any
    ) -> httpx.Response:
        body = {"email": "jenny@example.com", "name": "Jenny Rosen", "number": number, "expiration": "12 / 34"}
        body["cvc"] = "123"
        body.update(extra)
        headers = {"X-CSRF-Token": self.token, "Idempotency-Key": str(uuid.uuid4()) if attempt is None else attempt}
        return self.http.post(f"/c/pay/{session_id}/confirm", json=body, headers=headers)
