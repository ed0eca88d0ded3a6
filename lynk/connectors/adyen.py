"""A connector that charges cards through an Adyen merchant account, with Adyen's Checkout API (v71).

It takes the account's API key (`X-API-Key`), its merchant account and where to send requests: Adyen's
test endpoint, the live endpoint of the company's prefix, or another API base (the tests' fake). What
it sends per operation (JSON; amounts in minor units; `Idempotency-Key` = the attempt's key):

    authorize  POST /v71/payments  merchantAccount, amount{currency,value}, reference (the key),
               paymentMethod{type: scheme, number, expiryMonth, expiryYear}, returnUrl, shopperInteraction
               (Ecommerce, or ContAuth off session with recurringProcessingModel), and either
               captureDelayHours=0 (automatic capture) or additionalData.manualCapture=true
    capture    POST /v71/payments/{pspReference}/captures  merchantAccount, amount, reference
    void       POST /v71/payments/{pspReference}/cancels   merchantAccount, reference
    refund     POST /v71/payments/{pspReference}/refunds   merchantAccount, amount, reference
    complete   POST /v71/payments/details  details{redirectResult…}: what Adyen sent back with the shopper
               from its 3-D Secure page (see `complete`)
    status     no lookup by key exists at Adyen: the request this connector sent under the key is sent
               again, unchanged, and Adyen answers it from its idempotency store (see `status`)

The card number is asked of `detokenize` while the authorize body is built and goes nowhere else;
nothing of a request body is logged. `resultCode` and `refusalReasonCode` become Stripe's codes
(`lynk.connectors.adyen_codes`); RedirectShopper, IdentifyShopper and ChallengeShopper are
`authentication_required`, the `action`'s URL passed through as the result's `authentication_url`; the
`returnUrl` is Lynk's return page naming the attempt (`lynk_attempt` = the key).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from typing import Any

import httpx

from lynk.connectors.adyen_codes import AUTHENTICATION, DECLINES, ERRORS, refusal
from lynk.connectors.protocol import (
    AuthorizeRequest,
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
    CompleteRequest,
    ConnectorNotReached,
    ConnectorTimeout,
    ConnectorUnavailable,
    DebitRequest,
    DebitResult,
    Detokenize,
    IdempotencyKeyReused,
    IncrementRequest,
    NetworkStatus,
    OperationResult,
    OperationStatus,
    RefundRequest,
    VoidRequest,
    authorization,
    cards_only,
    not_incrementable,
    return_url_for,
)

logger = logging.getLogger(__name__)

API_VERSION = "v71"
TEST_BASE = "https://checkout-test.adyen.com"
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_RETURN_URL = "https://lynk.invalid/adyen/return"
# Adyen's error codes the connector tells apart (docs.adyen.com, "Error codes").
IN_PROGRESS_OR_REUSED = "704"  # the key's first request is in progress, or the key came with another body
UNKNOWN_PAYMENT = "167"  # the pspReference names no payment to modify
INVALID_AMOUNT = "137"
NOT_AUTHENTICATED = "11"  # refusalReasonCode "3D Not Authenticated": after a challenge, the shopper failed it
AUTHENTICATION_FAILED = (
    "The provided PaymentMethod has failed authentication. Provide a new PaymentMethod to attempt to fulfill "
    "this PaymentIntent again."
)
# PaymentCompletionDetails' card fields (the specification's other ones belong to other payment methods).
DETAIL_FIELDS = frozenset(
    {"MD", "PaRes", "payload", "redirectResult", "threeDSResult", "threeds2.challengeResult", "threeds2.fingerprint"}
)


def live_base(prefix: str) -> str:
    """A live merchant's Checkout endpoint: its company's prefix, from the Customer Area."""
    return f"https://{prefix}-checkout-live.adyenpayments.com/checkout"


@dataclass(frozen=True)
class _Sent:
    """What was sent under a key, to send it again for `status` (the card as a reference, never its number)."""

    path: str
    authorize: AuthorizeRequest | None = None
    body: dict[str, Any] | None = None
    reference: str = ""


class AdyenConnector:
    """A `Connector` backed by one Adyen merchant account."""

    def __init__(
        self,
        *,
        api_key: str,
        merchant_account: str,
        detokenize: Detokenize,
        api_base: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        return_url: str = DEFAULT_RETURN_URL,
    ) -> None:
        self._api_key = api_key
        self._merchant = merchant_account
        self._detokenize = detokenize
        self._base = f"{(api_base or TEST_BASE).rstrip('/')}/{API_VERSION}"
        self._timeout_s = timeout_s
        self._return_url = return_url
        self._sent: dict[str, _Sent] = {}

    def __repr__(self) -> str:  # never the key
        return f"AdyenConnector(base={self._base!r}, merchant_account={self._merchant!r})"

    async def _post(self, path: str, body: dict[str, Any], key: str) -> tuple[int, dict[str, Any]]:
        """POST one request; (status, JSON body). Failures that are no answer become the protocol's errors."""
        headers = {"X-API-Key": self._api_key, "Idempotency-Key": key, "Content-Type": "application/json"}
        try:
            async with httpx.AsyncClient(timeout=self._timeout_s) as http:
                response = await http.post(self._base + path, content=json.dumps(body), headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            raise ConnectorNotReached("the processor could not be reached") from None
        except httpx.TimeoutException:
            raise ConnectorTimeout("the processor did not answer in time") from None
        except httpx.HTTPError:
            raise ConnectorUnavailable("the connection to the processor failed") from None
        if response.status_code in (401, 403, 404, 429):
            # A wrong key, merchant account or address, or too many requests: refused before anything was done.
            raise ConnectorNotReached(f"the processor refused the request ({response.status_code})")
        if response.status_code >= 500:
            raise ConnectorUnavailable(f"the processor answered {response.status_code}")
        try:
            parsed = response.json()
        except ValueError:
            raise ConnectorUnavailable("the processor's answer was not JSON") from None
        return response.status_code, parsed if isinstance(parsed, dict) else {}

    # Authorization

    async def _authorize_body(self, request: AuthorizeRequest) -> dict[str, Any]:
        number = await self._detokenize(request.card)
        body: dict[str, Any] = {
            "merchantAccount": self._merchant,
            "amount": {"currency": request.currency.upper(), "value": request.amount},
            "reference": request.idempotency_key,
            "paymentMethod": {
                "type": "scheme",
                "number": number.reveal(),
                "expiryMonth": f"{request.card.exp_month:02d}",
                "expiryYear": f"{request.card.exp_year:04d}",
            },
            "returnUrl": return_url_for(self._return_url, request.idempotency_key),
            "shopperInteraction": "ContAuth" if request.off_session else "Ecommerce",
        }
        if request.off_session or request.setup_for_future:
            body["recurringProcessingModel"] = "UnscheduledCardOnFile"
        if request.capture:
            body["captureDelayHours"] = 0
        else:
            body["additionalData"] = {"manualCapture": "true"}
        return body

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResult:
        key = request.idempotency_key
        self._sent.setdefault(key, _Sent("/payments", authorize=request))  # a reused key keeps its first request
        status, answer = await self._post("/payments", await self._authorize_body(request), key)
        return _authorized(status, answer, key, currency=request.currency, capture=request.capture)

    async def complete(self, request: CompleteRequest) -> AuthorizeResult | None:
        """The shopper is back from Adyen's 3-D Secure page: Adyen finishes the payment only when it is sent
        what came back with them (`redirectResult`) in `POST /payments/details`, and its answer is the
        outcome. An answer about another payment than the key's (a `redirectResult` taken from another
        return) or a refusal of the details (400/422: not Adyen's, or garbled) changes nothing: None.
        Without details it is `status`."""
        details = {name: value for name, value in request.details.items() if name in DETAIL_FIELDS and value}
        if not details:
            return authorization(await self.status(request.idempotency_key))
        body = {"details": details}
        # One key per attempt and details (Adyen takes at most 64 characters): the same return replays.
        seed = json.dumps([request.idempotency_key, body], sort_keys=True).encode()
        key = "details-" + hashlib.sha256(seed).hexdigest()[:48]
        code, answer = await self._post("/payments/details", body, key)
        if code >= 400:
            if _service_error(answer) == IN_PROGRESS_OR_REUSED:
                raise ConnectorUnavailable("the processor is still processing these details")
            logger.warning("the processor refused 3-D Secure details: %s", answer.get("errorCode"))
            return None
        if answer.get("merchantReference") != request.idempotency_key:
            logger.warning("the processor's answer to 3-D Secure details is about another payment")
            return None
        result = _authorized(code, answer, request.idempotency_key, currency=request.currency, capture=request.capture)
        if result.status is AuthorizeStatus.DECLINED and str(answer.get("refusalReasonCode")) == NOT_AUTHENTICATED:
            # The shopper failed the challenge: Stripe's code for that, as the Stripe connector passes it on.
            code_name = "payment_intent_authentication_failure"
            return replace(result, code=code_name, decline_code=None, message=AUTHENTICATION_FAILED)
        return result

    async def status(self, idempotency_key: str) -> AuthorizeResult | OperationResult | DebitResult | None:
        """Adyen cannot be asked what it did under a key. So the request this connector sent under the key
        is sent again, unchanged, with the same `Idempotency-Key`: Adyen answers it from its idempotency
        store if the first one arrived, and otherwise makes it now. Either way one payment at most, and
        what it answers is true. A key this connector did not send (in this process) is None: then the
        pipeline sends the attempt again under the same key, to this processor first, which replays it."""
        sent = self._sent.get(idempotency_key)
        if sent is None:
            return None
        try:
            if sent.authorize is not None:
                body = await self._authorize_body(sent.authorize)
                code, answer = await self._post(sent.path, body, idempotency_key)
                request = sent.authorize
                return _authorized(code, answer, idempotency_key, currency=request.currency, capture=request.capture)
            code, answer = await self._post(sent.path, sent.body or {}, idempotency_key)
            return _operation(code, answer, sent.reference, sent.path.rsplit("/", 1)[-1], idempotency_key)
        except IdempotencyKeyReused:
            raise ConnectorUnavailable("the processor is still processing this key") from None

    # Capture, void, refund: `reference` is `{pspReference}:{CURRENCY}`, as the authorization answered

    async def capture(self, request: CaptureRequest) -> OperationResult:
        return await self._modify(request.idempotency_key, request.reference, "captures", request.amount)

    async def increment_authorization(self, request: IncrementRequest) -> OperationResult:
        """Lynk does not ask Adyen for incrementable (pre-)authorizations: refused, nothing sent."""
        return not_incrementable(request.reference)

    async def void(self, request: VoidRequest) -> OperationResult:
        return await self._modify(request.idempotency_key, request.reference, "cancels", None)

    async def refund(self, request: RefundRequest) -> OperationResult:
        return await self._modify(request.idempotency_key, request.reference, "refunds", request.amount)

    async def _modify(self, key: str, reference: str, action: str, amount: int | None) -> OperationResult:
        """A modification of the payment Lynk's `reference` names (`{pspReference}:{CURRENCY}`: Adyen wants
        the currency with every amount, and Lynk's capture and refund carry none). Adyen answers `received`
        and confirms later by webhook (CAPTURE, REFUND…)."""
        psp_reference, _, currency = reference.partition(":")
        body: dict[str, Any] = {"merchantAccount": self._merchant, "reference": key}
        if amount is not None:
            body["amount"] = {"currency": currency or "USD", "value": amount}
        path = f"/payments/{psp_reference}/{action}"
        self._sent.setdefault(key, _Sent(path, body=body, reference=reference))
        status, answer = await self._post(path, body, key)
        return _operation(status, answer, reference, action, key)

    async def debit(self, request: DebitRequest) -> DebitResult:
        """Bank debits are not sent to Adyen by this connector: the debit fails without being sent."""
        return cards_only(request)


def _service_error(answer: dict[str, Any]) -> str:
    return str(answer.get("errorCode") or "")


def _authorized(status: int, answer: dict[str, Any], key: str, *, currency: str, capture: bool) -> AuthorizeResult:
    if status >= 400:
        if _service_error(answer) == IN_PROGRESS_OR_REUSED:
            raise IdempotencyKeyReused(key)
        # The request itself was refused (400/422): nothing was authorized and sending it again won't help.
        logger.error("the processor refused an authorization: %s (%s)", answer.get("errorCode"), answer.get("message"))
        return _processing_error(str(answer.get("pspReference") or ""))
    psp_reference = str(answer.get("pspReference") or "")
    reference = f"{psp_reference}:{currency.upper()}" if psp_reference else ""
    result_code = str(answer.get("resultCode") or "")
    if result_code == "Authorised":
        kind = AuthorizeStatus.CAPTURED if capture else AuthorizeStatus.AUTHORIZED
        return AuthorizeResult(kind, reference, "approved_by_network", "Payment complete.")
    if result_code in AUTHENTICATION:
        action = answer.get("action") or {}
        url = action.get("url") if isinstance(action, dict) else None
        return AuthorizeResult(
            AuthorizeStatus.AUTHENTICATION_REQUIRED,
            reference,
            "not_sent_to_network",
            "This payment requires authentication.",
            authentication_url=str(url) if url else None,
        )
    if result_code in DECLINES or result_code in ERRORS:
        kind, code, decline_code = refusal(answer.get("refusalReasonCode"))
        if result_code in ERRORS:
            kind, code, decline_code = AuthorizeStatus.ERROR, "processing_error", "processing_error"
        network: NetworkStatus = "not_sent_to_network" if kind is AuthorizeStatus.ERROR else "declined_by_network"
        return AuthorizeResult(
            kind, reference, network, "Your card was declined.", code=code, decline_code=decline_code
        )
    # Pending, Received, PartiallyAuthorised…: not what a card authorization should answer; not booked.
    logger.error("the processor answered an authorization with resultCode %s", result_code or "(none)")
    return _processing_error(reference)


def _processing_error(reference: str) -> AuthorizeResult:
    """Nothing was authorized and sending the same again will not help: the attempt fails as Stripe's
    `processing_error` (the operator learns why from the log)."""
    return AuthorizeResult(
        AuthorizeStatus.ERROR,
        reference,
        "not_sent_to_network",
        "An error occurred while processing your card. Try again in a little bit.",
        code="processing_error",
        decline_code="processing_error",
    )


def _operation(status: int, answer: dict[str, Any], reference: str, action: str, key: str) -> OperationResult:
    if status < 400 and answer.get("status") == "received":
        # A refund's own reference is its pspReference; a capture's or void's is the payment's.
        own = str(answer.get("pspReference") or reference) if action == "refunds" else reference
        return OperationResult(OperationStatus.SUCCEEDED, own)
    error = _service_error(answer)
    if error == IN_PROGRESS_OR_REUSED:
        raise IdempotencyKeyReused(key)
    message = str(answer.get("message") or "")
    if error == UNKNOWN_PAYMENT:
        code = "resource_missing"
    elif action == "refunds":
        code = "amount_too_large" if error == INVALID_AMOUNT else "charge_not_refundable"
    else:
        code = "charge_not_capturable"
    return OperationResult(OperationStatus.FAILED, reference, code=code, message=message)
