"""An example merchant for Lynk: a shop page with the payment element, and a button to hosted checkout.

Run by `make run` beside Lynk (http://127.0.0.1:4242). Keys come from LYNK_SECRET_KEY and
LYNK_PUBLISHABLE_KEY, or from the demo merchant that `lynk demo` saved in `.lynk/demo.json`.
"""

from __future__ import annotations

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import stripe

HERE = Path(__file__).parent
LYNK = os.environ.get("LYNK_URL", "http://127.0.0.1:7242")
PORT = int(os.environ.get("PORT", "4242"))
demo = Path(os.environ.get("LYNK_HOME", ".lynk")) / "demo.json"
saved = json.loads(demo.read_text()) if demo.exists() else {}
SECRET_KEY = os.environ.get("LYNK_SECRET_KEY", saved.get("secret_key", ""))
PUBLISHABLE_KEY = os.environ.get("LYNK_PUBLISHABLE_KEY", saved.get("publishable_key", ""))
client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": LYNK})
SHOP = f"http://127.0.0.1:{PORT}"
MUG = {"currency": "usd", "unit_amount": 2_000, "product_data": {"name": "Lynk mug"}}


class Shop(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/":
            intent = client.v1.payment_intents.create(params={"amount": 2_000, "currency": "usd"})
            page = (HERE / "index.html").read_text()
            for name, value in {"LYNK": LYNK, "PK": PUBLISHABLE_KEY, "CLIENT_SECRET": intent.client_secret}.items():
                page = page.replace("{{" + name + "}}", value or "")
            self._send(200, page)
        elif self.path == "/shop.js":
            self._send(200, (HERE / "shop.js").read_text(), "text/javascript")
        elif self.path.startswith("/done"):
            self._send(200, "<!doctype html><title>Thanks</title><h1>Thanks for your order!</h1>")
        else:
            self._send(404, "not found", "text/plain")

    def do_POST(self) -> None:
        if self.path != "/checkout":
            self._send(404, "not found", "text/plain")
            return
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [{"price_data": MUG, "quantity": 1}],
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
    print(f"Example shop on {SHOP} (paying through Lynk at {LYNK})", flush=True)
    ThreadingHTTPServer(("127.0.0.1", PORT), Shop).serve_forever()
