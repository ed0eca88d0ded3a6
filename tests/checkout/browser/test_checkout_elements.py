"""Checkout Elements in Chromium: a shop written here in the shape of Stripe's "elements with Checkout Sessions"
sample (its server makes a `ui_mode=elements` session with the `stripe` SDK and hands the page the client
secret; the page shows the total, sends the email with updateEmail, mounts the payment element and confirms;
the return page asks the server how the session went). The shop is served as `localhost`, Lynk as 127.0.0.1,
so Lynk's frames are third-party, as on a real shop."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from playwright.sync_api import Page, expect

from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

# The checkout page. `?api=first` uses the first form of the API (initCheckout with fetchClientSecret, a Promise
# of the checkout, checkout.session() and checkout.confirm()); `?api=second` initCheckout with clientSecret and
# loadActions(); otherwise initCheckoutElementsSdk and loadActions().
_PAGE = """<!doctype html><html lang=en><title>Shop</title>
<script src="%LYNK%/js/v1/lynk.js"></script>
<main><h1>Checkout</h1>
<form id=payment-form>
  <label for=email>Email</label><input id=email type=email autocomplete=email>
  <p id=email-errors></p>
  <div id=payment-element></div>
  <button id=submit type=submit disabled>Loading…</button>
  <p id=payment-message role=status></p>
</form></main>
<script>
const lynk = Lynk("%PK%");
const api = new URLSearchParams(location.search).get("api");
const first = api === "first";
const secret = () => fetch("/create-checkout-session", {method: "POST"})
  .then((r) => r.json()).then((b) => b.clientSecret);
const button = document.getElementById("submit");
const message = document.getElementById("payment-message");
let actions;

async function start() {
  let checkout;
  if (first) {
    checkout = await lynk.initCheckout({fetchClientSecret: secret});
    actions = {getSession: () => checkout.session(), updateEmail: (e) => checkout.updateEmail(e),
               confirm: () => checkout.confirm()};
  } else {
    const options = {clientSecret: secret(), elementsOptions: {appearance: {}}};
    checkout = api === "second" ? lynk.initCheckout(options) : lynk.initCheckoutElementsSdk(options);
    checkout.on("change", (session) => { button.disabled = !session.canConfirm; });
    const loaded = await checkout.loadActions();
    if (loaded.type !== "success") { message.textContent = loaded.error.message; return; }
    actions = loaded.actions;
  }
  const session = actions.getSession();
  button.textContent = `Pay ${session.total.total.amount} now`;
  button.disabled = !session.canConfirm;
  checkout.createPaymentElement().mount("#payment-element");
}

async function emailOk() {
  const result = await actions.updateEmail(document.getElementById("email").value);
  document.getElementById("email-errors").textContent = result.type === "error" ? result.error.message : "";
  return result.type !== "error";
}

document.getElementById("email").addEventListener("blur", emailOk);
document.getElementById("payment-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  button.disabled = true;
  message.textContent = "";
  if (await emailOk()) {
    const result = await actions.confirm();
    if (result.type === "error") {
      message.textContent = result.error.message + (result.error.code ? " (" + result.error.code + ")" : "");
    }
  }
  button.disabled = false;
});
start();
</script>"""

_COMPLETE = """<!doctype html><html lang=en><title>Order</title><main><h1 id=status-text>Checking…</h1>
<p id=details></p></main>
<script>
const id = new URLSearchParams(location.search).get("session_id");
fetch("/session-status?session_id=" + encodeURIComponent(id)).then((r) => r.json()).then((s) => {
  document.getElementById("status-text").textContent =
    s.status === "complete" ? "Payment succeeded" : "Your payment was not successful, please try again.";
  document.getElementById("details").textContent = [s.status, s.payment_status, s.payment_intent_status].join(" / ");
});
</script>"""


MUG = {"currency": "usd", "unit_amount": 2_000, "product_data": {"name": "Mug"}}


class _Shop(BaseHTTPRequestHandler):
    """The shop's server: its pages, and two calls to Lynk through the `stripe` SDK with the secret key."""

    lynk: str
    client: stripe.StripeClient
    publishable_key: str
    origin: str

    def _send(self, status: int, body: str, kind: str = "text/html; charset=utf-8") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self, value: dict[str, Any]) -> None:
        self._send(200, json.dumps(value), "application/json")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            self._send(200, _PAGE.replace("%LYNK%", self.lynk).replace("%PK%", self.publishable_key))
        elif url.path == "/complete":
            self._send(200, _COMPLETE)
        elif url.path == "/session-status":
            session_id = parse_qs(url.query)["session_id"][0]
            found = self.client.v1.checkout.sessions.retrieve(session_id, params={"expand": ["payment_intent"]})
            pi = found.payment_intent
            assert isinstance(pi, stripe.PaymentIntent)
            status = {"status": found.status, "payment_status": found.payment_status}
            self._json({**status, "payment_intent_status": pi.status})
        else:
            self._send(404, "not found")

    def do_POST(self) -> None:
        session = self.client.v1.checkout.sessions.create(
            params={
                "ui_mode": "elements",
                "mode": "payment",
                "line_items": [{"price_data": MUG, "quantity": 1}],
                "return_url": self.origin + "/complete?session_id={CHECKOUT_SESSION_ID}",
            }
        )
        self._json({"clientSecret": session.client_secret})

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def shop(server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    origin = f"http://localhost:{httpd.server_address[1]}"  # another site than Lynk's 127.0.0.1
    handler = type(
        "Shop",
        (_Shop,),
        {"lynk": server.base_url, "client": client, "publishable_key": merchant.publishable_key, "origin": origin},
    )
    httpd.RequestHandlerClass = handler
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield origin
    httpd.shutdown()


def _card(page: Page, number: str) -> None:
    form = page.frame_locator("iframe[title='Secure payment input frame']")
    form.get_by_label("Card number").fill(number)
    form.get_by_label("Expiration").fill("12 / 34")
    form.get_by_label("CVC").fill("123")


def _session_of(page: Page) -> str:
    return page.url.split("session_id=")[1]


def test_the_shopper_is_declined_then_pays_and_the_shop_sees_the_session_complete(
    page: Page, shop: str, client: stripe.StripeClient
) -> None:
    page.goto(shop)
    pay = page.get_by_role("button", name="Pay $20.00 now")
    expect(pay).to_be_enabled()
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Email").blur()
    expect(page.locator("#email-errors")).to_have_text("Your email address is invalid.")
    page.get_by_label("Email").fill("jenny@example.com")
    _card(page, "4000 0000 0000 0002")
    pay.click()
    expect(page.locator("#payment-message")).to_have_text("Your card was declined. (paymentFailed)")
    expect(page.locator("#email-errors")).to_have_text("")
    _card(page, "4242 4242 4242 4242")
    pay.click()
    page.wait_for_url(f"{shop}/complete?session_id=cs_test_*")
    expect(page.get_by_role("heading", name="Payment succeeded")).to_be_visible()
    expect(page.locator("#details")).to_have_text("complete / paid / succeeded")
    session = client.v1.checkout.sessions.retrieve(_session_of(page))
    assert session.customer_details is not None and session.customer_details.email == "jenny@example.com"
    assert session.ui_mode == "elements" and session.amount_total == 2_000
    completed = client.v1.events.list(params={"type": "checkout.session.completed"})
    assert [event.data.object["id"] for event in completed.data] == [session.id]


def test_the_first_form_of_the_api_with_a_3d_secure_card(page: Page, shop: str, client: stripe.StripeClient) -> None:
    page.goto(f"{shop}/?api=first")
    pay = page.get_by_role("button", name="Pay $20.00 now")
    expect(pay).to_be_enabled()
    page.get_by_label("Email").fill("sam@example.com")
    _card(page, "4000 0000 0000 3220")
    pay.click()
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(f"{shop}/complete?session_id=cs_test_*")
    expect(page.get_by_role("heading", name="Payment succeeded")).to_be_visible()
    session = client.v1.checkout.sessions.retrieve(_session_of(page), params={"expand": ["payment_intent"]})
    assert (session.status, session.payment_status) == ("complete", "paid")
    assert isinstance(session.payment_intent, stripe.PaymentIntent) and session.payment_intent.status == "succeeded"


def test_a_failed_challenge_comes_back_to_the_shop_with_the_session_open(page: Page, shop: str) -> None:
    page.goto(f"{shop}/?api=second")
    page.get_by_label("Email").fill("sam@example.com")
    _card(page, "4000 0000 0000 3220")
    page.get_by_role("button", name="Pay $20.00 now").click()
    page.get_by_role("button", name="Fail authentication").click()
    page.wait_for_url(f"{shop}/complete?session_id=cs_test_*")
    expect(page.get_by_role("heading", name="Your payment was not successful, please try again.")).to_be_visible()
