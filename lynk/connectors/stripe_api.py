"""A connector that charges cards through a Stripe account, with the official `stripe` SDK.

It takes the account's secret key and, optionally, another API base (the tests point it at a second
Lynk server, which speaks Stripe). What it sends per operation:

    authorize  POST /v1/payment_intents  amount, currency, confirm=true, capture_method (manual or
               automatic), payment_method_data[card] (number, expiry; the postal code when known),
               off_session, metadata[lynk_idempotency_key], return_url (on session: Lynk's return page
               with `lynk_attempt` = the key); Idempotency-Key = the attempt's key
               (amount 0, a card being set up: POST /v1/setup_intents instead)
    capture    POST /v1/payment_intents/{ref}/capture  amount_to_capture
    void       POST /v1/payment_intents/{ref}/cancel
    refund     POST /v1/refunds  payment_intent, amount
    status     GET  /v1/payment_intents/search  metadata['lynk_idempotency_key']:'{key}'

The card number is asked of `detokenize` while the authorize request is built, and goes nowhere
else (the SDK's own debug logging is kept off). Stripe's `code` and `decline_code` come back 1:1; a
`requires_action` PaymentIntent's `next_action.redirect_to_url.url` is passed through as the
result's `authentication_url`. Network failures are told apart: a refused connection is
`ConnectorNotReached` (nothing happened, another processor may be tried), a read timeout or a 5xx is
`ConnectorTimeout`/`ConnectorUnavailable` (the payment may exist: ask `status`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NoReturn

import httpx
import stripe

from lynk.connectors.protocol import (
    NOT_INCREMENTABLE,
    AuthorizeRequest,
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
    CheckResult,
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
    WebhookRejected,
    authorization,
    cards_only,
    not_incrementable,
    return_url_for,
)

# The SDK logs request bodies at DEBUG: a card number must never reach a log, whatever the root level.
logging.getLogger("stripe").setLevel(logging.INFO)
logger = logging.getLogger(__name__)

KEY_FIELD = "lynk_idempotency_key"
DEFAULT_TIMEOUT_S = 30.0
_NOT_REACHED = (httpx.ConnectError, httpx.ConnectTimeout)


def _get(obj: Any, *path: str) -> Any:
    """`obj[a][b]…`, or None where a step is missing (SDK objects and plain dicts alike)."""
    for name in path:
        if obj is None:
            return None
        obj = obj.get(name) if hasattr(obj, "get") else getattr(obj, name, None)
    return obj


def _check(value: Any) -> CheckResult | None:
    if value in ("pass", "fail", "unavailable"):
        return value  # type: ignore[no-any-return]
    return None


def _network(value: Any, default: NetworkStatus) -> NetworkStatus:
    if value in ("approved_by_network", "declined_by_network", "not_sent_to_network"):
        return value  # type: ignore[no-any-return]
    return default


class StripeConnector:
    """A `Connector` backed by one Stripe account (`secret_key`), at `api_base` or Stripe's own."""

    def __init__(
        self,
        *,
        secret_key: str,
        detokenize: Detokenize,
        api_base: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        return_url: str | None = None,
    ) -> None:
        self._secret_key = secret_key
        self._detokenize = detokenize
        self._api_base = api_base.rstrip("/") if api_base else None
        self._timeout_s = timeout_s
        self._return_url = return_url

    def __repr__(self) -> str:  # never the key
        return f"StripeConnector(api_base={self._api_base or stripe.DEFAULT_API_BASE!r})"

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[stripe.StripeClient]:
        """A client for one operation: no connection outlives it, so no event loop is tied to another."""
        http = stripe.HTTPXClient(timeout=self._timeout_s)
        client = stripe.StripeClient(
            self._secret_key,
            base_addresses={"api": self._api_base} if self._api_base else None,
            http_client=http,
            max_network_retries=0,
        )
        try:
            yield client
        finally:
            await http.close_async()  # type: ignore[no-untyped-call]

    # Authorization

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResult:
        number = await self._detokenize(request.card)
        card: dict[str, Any] = {
            "number": number.reveal(),
            "exp_month": request.card.exp_month,
            "exp_year": request.card.exp_year,
        }
        method: dict[str, Any] = {"type": "card", "card": card}
        if request.postal_code is not None:
            method["billing_details"] = {"address": {"postal_code": request.postal_code}}
        params: dict[str, Any] = {
            "confirm": True,
            "payment_method_data": method,
            "payment_method_types": ["card"],
            "metadata": {KEY_FIELD: request.idempotency_key},
        }
        if request.off_session:
            params["off_session"] = True
        options = {"idempotency_key": request.idempotency_key}
        try:
            async with self._client() as client:
                if request.amount == 0:
                    params["usage"] = "off_session" if request.setup_for_future else "on_session"
                    setup = await client.v1.setup_intents.create_async(params, options)  # type: ignore[arg-type]
                    return _from_setup(setup)
                params.update(
                    amount=request.amount,
                    currency=request.currency,
                    capture_method="automatic" if request.capture else "manual",
                    expand=["latest_charge"],
                )
                if request.setup_for_future:
                    params["setup_future_usage"] = "off_session"
                if request.incremental_authorization and not request.capture:
                    params["payment_method_options"] = {"card": {"request_incremental_authorization": "if_available"}}
                if self._return_url and not request.off_session:  # back to Lynk, naming the attempt
                    params["return_url"] = return_url_for(self._return_url, request.idempotency_key)
                intent = await client.v1.payment_intents.create_async(params, options)  # type: ignore[arg-type]
        except stripe.CardError as error:
            return _declined(error)
        except stripe.InvalidRequestError as error:
            return _refused(error)
        except stripe.StripeError as error:
            _raise(error, request.idempotency_key)
        return _from_intent(intent)

    async def status(self, idempotency_key: str) -> AuthorizeResult | OperationResult | DebitResult | None:
        """The authorization made under this key, found by the metadata it carries; None if none was."""
        query = f"metadata['{KEY_FIELD}']:'{idempotency_key}'"
        try:
            async with self._client() as client:
                page = await client.v1.payment_intents.search_async({"query": query, "expand": ["data.latest_charge"]})
        except stripe.StripeError as error:
            _raise(error, idempotency_key)
        found = list(page.data)
        return _from_intent(found[0]) if found else None

    async def complete(self, request: CompleteRequest) -> AuthorizeResult | None:
        """Stripe finishes 3-D Secure on its own page: what the shopper brings back says nothing Stripe
        needs, and the outcome is the PaymentIntent's, looked up by key."""
        return authorization(await self.status(request.idempotency_key))

    # Capture, void, refund

    async def capture(self, request: CaptureRequest) -> OperationResult:
        params = {"amount_to_capture": request.amount}
        return await self._operation(request.idempotency_key, request.reference, "capture", params)

    async def increment_authorization(self, request: IncrementRequest) -> OperationResult:
        """Stripe's own `increment_authorization`: its decline is a failed result (`card_declined`)."""
        key, reference = request.idempotency_key, request.reference
        try:
            async with self._client() as client:
                await client.v1.payment_intents.increment_authorization_async(
                    reference,
                    {"amount": request.amount},
                    {"idempotency_key": key},
                )
        except stripe.CardError as error:
            return OperationResult(OperationStatus.FAILED, reference, "card_declined", error.user_message or "")
        except stripe.InvalidRequestError as error:
            if error.code == NOT_INCREMENTABLE:
                return not_incrementable(reference)
            code = "amount_too_small" if error.code == "amount_too_small" else "charge_not_capturable"
            return OperationResult(OperationStatus.FAILED, reference, code=code, message=error.user_message or "")
        except stripe.StripeError as error:
            _raise(error, key)
        return OperationResult(OperationStatus.SUCCEEDED, reference)

    async def void(self, request: VoidRequest) -> OperationResult:
        return await self._operation(request.idempotency_key, request.reference, "cancel", {})

    async def refund(self, request: RefundRequest) -> OperationResult:
        params = {"payment_intent": request.reference, "amount": request.amount}
        return await self._operation(request.idempotency_key, request.reference, "refund", params)

    async def _operation(self, key: str, reference: str, action: str, params: dict[str, Any]) -> OperationResult:
        options = {"idempotency_key": key}
        try:
            async with self._client() as client:
                intents = client.v1.payment_intents
                if action == "capture":
                    await intents.capture_async(reference, params, options)  # type: ignore[arg-type]
                elif action == "cancel":
                    await intents.cancel_async(reference, params, options)  # type: ignore[arg-type]
                else:
                    refund = await client.v1.refunds.create_async(params, options)  # type: ignore[arg-type]
                    return OperationResult(OperationStatus.SUCCEEDED, str(refund.id))
        except stripe.InvalidRequestError as error:
            return _operation_failed(error, reference, action)
        except stripe.StripeError as error:
            _raise(error, key)
        return OperationResult(OperationStatus.SUCCEEDED, reference)

    async def debit(self, request: DebitRequest) -> DebitResult:
        """Bank debits are not sent to Stripe by this connector: the debit fails without being sent."""
        return cards_only(request)


def _from_intent(intent: Any) -> AuthorizeResult:
    charge = _get(intent, "latest_charge")
    charge = charge if not isinstance(charge, str) else None
    checks = _get(charge, "payment_method_details", "card", "checks")
    cvc, postal = _check(_get(checks, "cvc_check")), _check(_get(checks, "address_postal_code_check"))
    network = _network(_get(charge, "outcome", "network_status"), "approved_by_network")
    reference = str(_get(intent, "id"))
    status = _get(intent, "status")
    if status == "processing":  # the processor has not decided yet (its own attempt is in flight)
        raise ConnectorUnavailable("the processor has not decided this payment yet")
    if status in ("requires_capture", "succeeded"):
        kind = AuthorizeStatus.CAPTURED if status == "succeeded" else AuthorizeStatus.AUTHORIZED
        incremental = _get(charge, "payment_method_details", "card", "incremental_authorization", "status")
        return AuthorizeResult(
            kind,
            reference,
            network,
            "Payment complete.",
            cvc_check=cvc,
            postal_code_check=postal,
            incremental_authorization=kind is AuthorizeStatus.AUTHORIZED and incremental == "available",
        )
    if status == "requires_action":
        url = _get(intent, "next_action", "redirect_to_url", "url")
        return AuthorizeResult(
            AuthorizeStatus.AUTHENTICATION_REQUIRED,
            reference,
            "not_sent_to_network",
            "This payment requires authentication.",
            authentication_url=str(url) if url else None,
        )
    error = _get(intent, "last_payment_error")
    code = _get(error, "code") or "card_declined"
    return AuthorizeResult(
        AuthorizeStatus.AUTHENTICATION_REQUIRED if code == "authentication_required" else AuthorizeStatus.DECLINED,
        reference,
        _network(_get(charge, "outcome", "network_status"), "declined_by_network"),
        str(_get(error, "message") or "Your card was declined."),
        code=str(code),
        decline_code=_get(error, "decline_code"),
        cvc_check=cvc,
        postal_code_check=postal,
    )


def _from_setup(setup: Any) -> AuthorizeResult:
    reference = str(_get(setup, "id"))
    if _get(setup, "status") == "succeeded":
        return AuthorizeResult(AuthorizeStatus.AUTHORIZED, reference, "approved_by_network", "Card verified.")
    url = _get(setup, "next_action", "redirect_to_url", "url")
    return AuthorizeResult(
        AuthorizeStatus.AUTHENTICATION_REQUIRED,
        reference,
        "not_sent_to_network",
        "This card requires authentication.",
        authentication_url=str(url) if url else None,
    )


def _declined(error: stripe.CardError) -> AuthorizeResult:
    """A card error is the issuer's (or the processor's) "no": Stripe's codes pass through unchanged."""
    body = error.error
    intent = _get(body, "payment_intent") or _get(body, "setup_intent")
    reference = str(_get(intent, "id") or _get(body, "charge") or "")
    code = error.code or "card_declined"
    if code == "processing_error":
        status = AuthorizeStatus.ERROR
    elif code == "authentication_required":
        status = AuthorizeStatus.AUTHENTICATION_REQUIRED
    else:
        status = AuthorizeStatus.DECLINED
    network: NetworkStatus = "not_sent_to_network" if status is AuthorizeStatus.ERROR else "declined_by_network"
    return AuthorizeResult(
        status,
        reference,
        network,
        error.user_message or "Your card was declined.",
        code=code,
        decline_code=_get(body, "decline_code") or code,
    )


def _refused(error: stripe.InvalidRequestError) -> AuthorizeResult:
    """The processor refused the request itself (400): nothing was authorized, and sending it again will
    not help. The attempt fails as a processing error; the operator learns why from the log."""
    logger.error("the processor refused an authorization: %s (%s)", error.code, error.user_message)
    return AuthorizeResult(
        AuthorizeStatus.ERROR,
        "",
        "not_sent_to_network",
        "An error occurred while processing your card. Try again in a little bit.",
        code="processing_error",
        decline_code="processing_error",
    )


_OPERATION_CODES = {
    "amount_too_large",
    "charge_already_captured",
    "charge_already_refunded",
    "charge_not_refundable",
    "resource_missing",
}


def _operation_failed(error: stripe.InvalidRequestError, reference: str, action: str) -> OperationResult:
    """Stripe refused a capture, void or refund: its code where the protocol knows it, else the closest one."""
    code = error.code if error.code in _OPERATION_CODES else None
    if code is None:
        code = "charge_not_refundable" if action == "refund" else "charge_not_capturable"
    return OperationResult(OperationStatus.FAILED, reference, code=code, message=error.user_message or "")


def _raise(error: stripe.StripeError, key: str) -> NoReturn:
    """Turn an SDK error that is not an answer into the protocol's: reached or not, and what that means."""
    if isinstance(error, stripe.IdempotencyError):
        raise IdempotencyKeyReused(key) from None
    if isinstance(error, stripe.APIConnectionError):
        if isinstance(error.__cause__, _NOT_REACHED):
            raise ConnectorNotReached("the processor could not be reached") from None
        if isinstance(error.__cause__, httpx.TimeoutException):
            raise ConnectorTimeout("the processor did not answer in time") from None
        raise ConnectorUnavailable("the connection to the processor failed") from None
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError | stripe.RateLimitError):
        # Refused before anything was done (a wrong key, or too many requests): safe to send elsewhere.
        raise ConnectorNotReached(f"the processor refused the request ({error.http_status})") from None
    raise ConnectorUnavailable(f"the processor answered {error.http_status}") from None


def verify_webhook(payload: bytes, signature: str, secret: str) -> dict[str, Any]:
    """The event a Stripe webhook carries, once its `Stripe-Signature` verifies with `secret` (within
    Stripe's five-minute tolerance); `WebhookRejected` otherwise."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise WebhookRejected(str(error)) from None
    parsed: dict[str, Any] = event.to_dict()
    return parsed
