"""A fake of Adyen's Checkout API (v71) for tests: a real local HTTP server, from the shapes of Adyen's
published OpenAPI specification (github.com/Adyen/adyen-openapi, CheckoutService-v71.json).

It checks what it receives as the specification says: `X-API-Key`, the merchant account, the required
fields of PaymentRequest (amount, merchantAccount, paymentMethod, reference, returnUrl), of the capture
and refund requests (amount, merchantAccount) and of the cancel (merchantAccount), no property the
schema does not know (`additionalProperties: false`), Amount as {currency: 3 letters, value: integer}
and CardDetails' strings. A request that breaks them is a 422 ServiceError, so a connector's shapes stay
honest. It keeps its state: payments per pspReference (authorized, captured, refunded) and the
idempotency store (a key replays its first answer; the same key with another body is error 704).

Test cards (by number; Stripe's test numbers too, since the conformance test uses them):
authorised for any other valid number; refused with a refusalReasonCode per `REFUSED`; RedirectShopper
for `REDIRECT` (Adyen's 3-D Secure 2 test card, and Stripe's). Its notifications are signed like Adyen's.

3-D Secure as Adyen's redirect flow: the `action.url` is the shopper's page (`GET
/checkoutshopper/threeDS/redirect?MD=…`), a form to complete or fail the challenge; answering it sends
the shopper back to the payment's `returnUrl` with a `redirectResult` (by GET, or with `return_by_post` by
an auto-submitted POST form, as Adyen may). `POST /v71/payments/details` with that `redirectResult` (the
PaymentDetailsRequest schema: `details` required, PaymentCompletionDetails' fields) decides the payment:
Authorised, or Refused (11, "3D Not Authenticated"), with the payment's pspReference; asked again, the
same answer.
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from lynk.connectors.adyen_webhooks import signature

API_KEY = "AQE_test_api_key"
MERCHANT = "LynkTestECOM"
HMAC_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
REFUSED = {
    "4000000000000002": ("2", "Refused"),
    "4000000000009995": ("12", "Not enough balance"),
    "4000000000000069": ("6", "Expired Card"),
    "4000000000000127": ("24", "CVC Declined"),
}
REDIRECT = {"4212345678901237", "4000002760003184", "4000000000003220"}

# From the specification: required fields, and the properties each schema knows (the ones a connector sends).
PAYMENT_REQUIRED = ("amount", "merchantAccount", "paymentMethod", "reference", "returnUrl")
PAYMENT_KNOWN = set(PAYMENT_REQUIRED) | {
    "additionalData", "browserInfo", "captureDelayHours", "countryCode", "metadata", "recurringProcessingModel",
    "shopperEmail", "shopperInteraction", "shopperReference", "storePaymentMethod", "billingAddress",
}  # fmt: skip
CARD_KNOWN = {"type", "number", "expiryMonth", "expiryYear", "holderName", "cvc", "brand"}
DETAILS_KNOWN = {"details", "authenticationData", "paymentData", "threeDSAuthenticationOnly"}
COMPLETION_KNOWN = {
    "MD", "PaReq", "PaRes", "authorization_token", "billingToken", "cupsecureplus.smscode", "facilitatorID",
    "oneTimePasscode", "orderID", "payerID", "payload", "paymentID", "paymentStatus", "redirectResult",
    "resultCode", "returnUrlQueryString", "threeDSResult", "threeds2.challengeResult", "threeds2.fingerprint",
    "vaultToken",
}  # fmt: skip
SHOPPER_PAGE = "/checkoutshopper/threeDS/redirect"
SHOPPER_ANSWER = "/checkoutshopper/threeDS/answer"
MODIFICATION = {
    "captures": ({"amount", "merchantAccount"}, {"amount", "merchantAccount", "reference"}),
    "refunds": ({"amount", "merchantAccount"}, {"amount", "merchantAccount", "reference", "merchantRefundReason"}),
    "cancels": ({"merchantAccount"}, {"merchantAccount", "reference"}),
}


class Invalid(Exception):
    def __init__(self, status: int, code: str, message: str, kind: str = "validation") -> None:
        super().__init__(message)
        self.body = {"status": status, "errorCode": code, "message": message, "errorType": kind}


@dataclass
class Payment:
    psp: str
    amount: int
    currency: str
    reference: str
    result: str
    captured: int = 0
    refunded: int = 0
    cancelled: bool = False
    return_url: str = ""
    capture_now: bool = False


@dataclass
class FakeAdyen:
    """The fake's state; `url` once running."""

    url: str = ""
    payments: dict[str, Payment] = field(default_factory=dict)
    idempotency: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    drop_answers: int = 0
    """How many of the next answers to lose: the request is processed, the connection closed unanswered."""
    bodies: list[str] = field(default_factory=list)
    """Every request body received (the tests look for card numbers in them, and in nothing else)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    redirects: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """Each `redirectResult` handed to a shopper: (pspReference, whether the challenge was completed)."""
    decided: dict[str, dict[str, Any]] = field(default_factory=dict)
    """`/payments/details`' answer per pspReference, once decided: asked again, the same answer."""
    return_by_post: bool = False
    """Send the shopper back to `returnUrl` with a POSTed form rather than a GET."""

    def _psp(self, seed: str) -> str:
        return hashlib.sha256(f"{seed}{len(self.payments)}{len(self.idempotency)}".encode()).hexdigest()[:16].upper()

    def handle(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path == "/v71/payments":
            return 200, self._pay(body)
        if path == "/v71/payments/details":
            return 200, self._details(body)
        parts = path.split("/")
        if len(parts) == 5 and parts[1:3] == ["v71", "payments"] and parts[4] in MODIFICATION:
            return 201, self._modify(parts[3], parts[4], body)
        raise Invalid(404, "404", "Not found", "validation")

    def _pay(self, body: dict[str, Any]) -> dict[str, Any]:
        _check(body, PAYMENT_REQUIRED, PAYMENT_KNOWN)
        amount = _amount(body["amount"])
        method = body["paymentMethod"]
        if not isinstance(method, dict) or method.get("type") != "scheme":
            raise Invalid(422, "14_006", "Required object 'paymentMethod' is not provided or not a scheme card.")
        _check(method, ("number", "expiryMonth", "expiryYear"), CARD_KNOWN)
        number = str(method["number"])
        if not all(isinstance(method[k], str) for k in ("number", "expiryMonth", "expiryYear")):
            raise Invalid(422, "702", "Card fields are strings.")
        if not number.isdigit() or not 12 <= len(number) <= 19:
            raise Invalid(422, "101", "Invalid card number")
        psp = self._psp(str(body["reference"]))
        answer: dict[str, Any] = {"pspReference": psp, "merchantReference": body["reference"]}
        if number in REFUSED:
            code, reason = REFUSED[number]
            answer.update(resultCode="Refused", refusalReason=reason, refusalReasonCode=code)
        elif number in REDIRECT:
            url = f"{self.url}{SHOPPER_PAGE}?MD={psp}"
            answer.update(
                resultCode="RedirectShopper",
                action={"paymentMethodType": "scheme", "url": url, "method": "GET", "type": "redirect"},
            )
        else:
            answer.update(resultCode="Authorised", additionalData={"authCode": "044925"})
        payment = Payment(psp, amount[1], amount[0], str(body["reference"]), answer["resultCode"])
        payment.return_url, payment.capture_now = str(body["returnUrl"]), body.get("captureDelayHours") == 0
        if payment.result == "Authorised" and payment.capture_now:
            payment.captured = payment.amount
        self.payments[psp] = payment
        return answer

    def _details(self, body: dict[str, Any]) -> dict[str, Any]:
        _check(body, ("details",), DETAILS_KNOWN)
        details = body["details"]
        if not isinstance(details, dict):
            raise Invalid(422, "100", "Required field 'details' is not provided.")
        _check(details, (), COMPLETION_KNOWN)
        found = self.redirects.get(str(details.get("redirectResult") or ""))
        if found is None:
            raise Invalid(422, "14_018", "Invalid payload or redirectResult provided")
        psp, completed = found
        if psp in self.decided:
            return self.decided[psp]
        payment = self.payments[psp]
        answer: dict[str, Any] = {
            "pspReference": psp,
            "merchantReference": payment.reference,
            "amount": {"currency": payment.currency, "value": payment.amount},
        }
        if completed:
            answer.update(resultCode="Authorised", additionalData={"authCode": "044925"})
            payment.captured = payment.amount if payment.capture_now else 0
        else:
            answer.update(resultCode="Refused", refusalReason="3D Not Authenticated", refusalReasonCode="11")
        payment.result = answer["resultCode"]
        self.decided[psp] = answer
        return answer

    def shopper_page(self, query: str) -> tuple[int, str]:
        """The challenge: a form to complete or fail it, for the payment `MD` names."""
        psp = (parse_qs(query).get("MD") or [""])[0]
        if psp not in self.payments:
            return 404, "<p>Unknown payment</p>"
        buttons = "".join(
            f'<form method="post" action="{SHOPPER_ANSWER}"><input type="hidden" name="MD" value="{html.escape(psp)}">'
            f'<button name="outcome" value="{outcome}">{outcome}</button></form>'
            for outcome in ("complete", "fail")
        )
        return 200, f"<html><body><h1>Adyen 3-D Secure (fake)</h1>{buttons}</body></html>"

    def shopper_answer(self, form: str) -> tuple[int, dict[str, str], str]:
        """The shopper answered the challenge: (status, headers, page) sending them back to `returnUrl`."""
        fields = parse_qs(form)
        psp, outcome = (fields.get("MD") or [""])[0], (fields.get("outcome") or [""])[0]
        payment = self.payments.get(psp)
        if payment is None or payment.result != "RedirectShopper" or outcome not in ("complete", "fail"):
            return 400, {}, "<p>This challenge is over</p>"
        token = secrets.token_urlsafe(24)
        self.redirects[token] = (psp, outcome == "complete")
        if self.return_by_post:
            url = html.escape(payment.return_url)
            page = (
                f'<form method="post" action="{url}"><input type="hidden" name="redirectResult" value="{token}">'
                "</form><script>document.forms[0].submit()</script>"
            )
            return 200, {}, page
        separator = "&" if urlsplit(payment.return_url).query else "?"
        return 302, {"Location": f"{payment.return_url}{separator}{urlencode({'redirectResult': token})}"}, ""

    def _modify(self, psp: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        required, known = MODIFICATION[action]
        _check(body, tuple(required), known)
        payment = self.payments.get(psp)
        if payment is None or payment.result != "Authorised":
            raise Invalid(422, "167", "Original pspReference required for this operation")
        answer = {"merchantAccount": body["merchantAccount"], "paymentPspReference": psp, "status": "received"}
        answer.update(pspReference=self._psp(psp), **({"reference": body["reference"]} if "reference" in body else {}))
        if action == "cancels":
            if payment.captured or payment.cancelled:
                raise Invalid(422, "167", "Payment can no longer be cancelled")
            payment.cancelled = True
            return answer
        currency, value = _amount(body["amount"])
        if currency != payment.currency or value <= 0:
            raise Invalid(422, "137", "Invalid amount specified")
        if action == "captures":  # multiple partial captures are not enabled on this account
            if payment.captured or payment.cancelled or value > payment.amount:
                raise Invalid(422, "137", "Invalid amount specified")
            payment.captured = value
        elif payment.refunded + value > payment.captured:
            raise Invalid(422, "137", "Invalid amount specified")
        else:
            payment.refunded += value
        answer["amount"] = body["amount"]
        return answer

    def notify(self, hook_url: str, event_code: str, psp: str, *, success: bool = True, **extra: Any) -> httpx.Response:
        """Send a signed standard notification about payment `psp` to `hook_url`, as Adyen would."""
        body = self.notification(event_code, psp, success=success, **extra)
        return httpx.post(hook_url, content=body, headers={"Content-Type": "application/json"}, timeout=30)

    def notification(self, event_code: str, psp: str, *, success: bool = True, **extra: Any) -> bytes:
        """A signed standard notification (one item) about payment `psp`."""
        payment = self.payments[psp]
        hmac_key = extra.pop("hmac_key", HMAC_KEY)
        item: dict[str, Any] = {
            "amount": {"currency": payment.currency, "value": extra.pop("value", payment.amount)},
            "eventCode": event_code,
            "eventDate": "2026-12-02T12:00:00+01:00",
            "merchantAccountCode": MERCHANT,
            "merchantReference": payment.reference,
            "originalReference": psp,
            "paymentMethod": "visa",
            "pspReference": self._psp(event_code),
            "reason": extra.pop("reason", ""),
            "success": "true" if success else "false",
        }
        item["additionalData"] = {**extra, "hmacSignature": signature(item, hmac_key)}
        return json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": item}]}).encode()


def _check(body: Any, required: tuple[str, ...], known: set[str]) -> None:
    if not isinstance(body, dict):
        raise Invalid(400, "702", "Unexpected input: expected an object")
    for name in required:
        if body.get(name) in (None, ""):
            raise Invalid(422, "100", f"Required field '{name}' is not provided.")
    unknown = sorted(set(body) - known)
    if unknown:
        raise Invalid(422, "702", f"Unknown field '{unknown[0]}'.")


def _amount(amount: Any) -> tuple[str, int]:
    if not isinstance(amount, dict) or set(amount) - {"currency", "value"}:
        raise Invalid(422, "100", "Required field 'amount' is not an Amount.")
    currency, value = amount.get("currency"), amount.get("value")
    if not (isinstance(currency, str) and len(currency) == 3) or not isinstance(value, int) or value < 0:
        raise Invalid(422, "137", "Invalid amount specified")
    return currency, value


@contextmanager
def fake_adyen() -> Iterator[FakeAdyen]:
    fake = FakeAdyen()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, Any], key: str | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if key:
                self.send_header("Idempotency-Key", key)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _page(self, status: int, page: str, headers: dict[str, str] | None = None) -> None:
            data = page.encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.path == SHOPPER_ANSWER:  # the shopper's browser, not the API
                with fake.lock:
                    status, headers, page = fake.shopper_answer(raw)
                self._page(status, page, headers)
                return
            key = self.headers.get("Idempotency-Key")
            with fake.lock:
                fake.bodies.append(raw)
                if self.headers.get("X-API-Key") != API_KEY:
                    self._answer(401, Invalid(401, "000", "HTTP Status Response - Unauthorized", "security").body)
                    return
                if key and key in fake.idempotency:
                    first_raw, status, answer = fake.idempotency[key]
                    if first_raw != raw:
                        answer = Invalid(422, "704", "request already processed or in progress").body
                        status = 422
                    self._answer(status, answer, key)
                    return
                try:
                    body = json.loads(raw)
                    if isinstance(body, dict) and body.get("merchantAccount") not in (None, MERCHANT):
                        raise Invalid(403, "901", "Invalid Merchant Account", "security")
                    status, answer = fake.handle(self.path, body)
                except ValueError:
                    status, answer = 400, Invalid(400, "702", "Unexpected input").body
                except Invalid as error:
                    status, answer = int(error.body["status"]), error.body
                if key and status < 500:
                    fake.idempotency[key] = (raw, status, answer)
                lost = fake.drop_answers > 0
                fake.drop_answers -= 1 if lost else 0
            if lost:  # done, but the answer never leaves: to the connector, a dropped connection
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self._answer(status, answer, key)

        def do_GET(self) -> None:  # the shopper's 3-D Secure page
            parts = urlsplit(self.path)
            with fake.lock:
                status, page = fake.shopper_page(parts.query) if parts.path == SHOPPER_PAGE else (404, "")
            self._page(status, page)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
