"""An example merchant for Lynk: a shop page with the payment element, a button to hosted checkout, and
a return page that asks Lynk how the payment went. Both ways offer Link (`payment_method_types` card
and link), so a shopper can save her details here and pay in one click at the second shop.

`make run` starts two of them beside Lynk: the demo shop on http://127.0.0.1:4242 and the demo bakery
on http://127.0.0.1:4243 (SHOP=second), each with its demo merchant's keys from `.lynk/demo.json`
(`lynk demo`). LYNK_SECRET_KEY and LYNK_PUBLISHABLE_KEY override them; PORT sets the port.
"""

from __future__ import annotations

import json
import os
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import stripe

HERE = Path(__file__).parent
LYNK = os.environ.get("LYNK_URL", "http://127.0.0.1:7242")
SECOND = os.environ.get("SHOP") == "second"
PORT = int(os.environ.get("PORT", "4243" if SECOND else "4242"))
demo = Path(os.environ.get("LYNK_HOME", ".lynk")) / "demo.json"
saved: dict[str, Any] = json.loads(demo.read_text()) if demo.exists() else {}
if SECOND:
    saved = saved.get("second_shop", {})
SECRET_KEY = os.environ.get("LYNK_SECRET_KEY", saved.get("secret_key", ""))
PUBLISHABLE_KEY = os.environ.get("LYNK_PUBLISHABLE_KEY", saved.get("publishable_key", ""))
client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": LYNK})
SHOP = f"http://127.0.0.1:{PORT}"
# What each shop sells: a name, a product and its price in cents (integers: never floats for money).
NAME, PRODUCT, PRICE = ("Lynk Demo Bakery", "Sourdough loaf", 850) if SECOND else ("Lynk Demo Shop", "Lynk mug", 2_000)
METHODS = ["card", "link"]  # Link: "Save my information for faster checkout", then one click at any Lynk shop


def dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def page(title: str, body: str) -> str:
    """The shop's page around `body` (already escaped)."""
    return (
        (HERE / "index.html")
        .read_text()
        .replace("{{TITLE}}", escape(title))
        .replace("{{SHOP}}", escape(NAME))
        .replace("{{BODY}}", body)
    )


def outcome(query: dict[str, list[str]]) -> tuple[str, str]:
    """(heading, text) of the return page, from what Lynk says of the payment, never from the URL alone:
    a failed 3-D Secure comes back here too (`redirect_status=failed`)."""
    given = {name: values[0] for name, values in query.items()}
    if "session_id" in given:
        session = client.v1.checkout.sessions.retrieve(given["session_id"])
        paid = session.status == "complete" and session.payment_status == "paid"
        amount = session.amount_total or 0
    elif "payment_intent" in given:
        intent = client.v1.payment_intents.retrieve(given["payment_intent"])
        if intent.status == "processing":
            return "Payment processing", "Your payment is being processed. We'll email you once it's confirmed."
        paid, amount = intent.status in ("succeeded", "requires_capture"), intent.amount
    else:
        return "Nothing to show", "This page shows the result of a payment."
    if paid:
        return "Thanks for your order!", f"We received your payment of {dollars(amount)}."
    return "Payment not completed", "Your payment didn't go through and you were not charged. Please try again."


class Shop(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            intent = client.v1.payment_intents.create(
                params={"amount": PRICE, "currency": "usd", "payment_method_types": METHODS}
            )
            body = (HERE / "shop.html").read_text()
            for name, value in {
                "LYNK": LYNK,
                "PK": PUBLISHABLE_KEY,
                "CLIENT_SECRET": intent.client_secret or "",
                "PRODUCT": PRODUCT,
                "PRICE": dollars(PRICE),
            }.items():
                body = body.replace("{{" + name + "}}", escape(value))
            self._send(200, page(f"{PRODUCT}, {dollars(PRICE)}", body))
        elif url.path in ("/shop.js", "/shop.css"):
            kind = "text/javascript" if url.path.endswith(".js") else "text/css"
            self._send(200, (HERE / url.path[1:]).read_text(), kind)
        elif url.path == "/done":
            heading, text = outcome(parse_qs(url.query))
            self._send(
                200,
                page(
                    heading, f'<h1>{escape(heading)}</h1><p>{escape(text)}</p><p><a href="/">Back to the shop</a></p>'
                ),
            )
        else:
            self._send(404, "not found", "text/plain")

    def do_POST(self) -> None:
        if self.path != "/checkout":
            self._send(404, "not found", "text/plain")
            return
        product = {"currency": "usd", "unit_amount": PRICE, "product_data": {"name": PRODUCT}}
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "payment_method_types": METHODS,
                "line_items": [{"price_data": product, "quantity": 1}],
                "success_url": f"{SHOP}/done?session_id={{CHECKOUT_SESSION_ID}}",
                "cancel_url": f"{SHOP}/",
            }
        )
        self.send_response(303)
        self.send_header("Location", session.url or "/")
        self.end_headers()

    def _send(self, status: int, body: str, kind: str = "text/html") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    print(f"{NAME} on {SHOP} (paying through Lynk at {LYNK})", flush=True)
    ThreadingHTTPServer(("127.0.0.1", PORT), Shop).serve_forever()
