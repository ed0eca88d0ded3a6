"""Errors of the payments domain."""

from __future__ import annotations

from typing import Any

from lynk.core.errors import (
    ApiError,
    CardError,
    InvalidRequestError,
    LynkError,
    ResourceMissing,
    ServiceUnavailable,
)


class PaymentIntentNotFound(ResourceMissing):
    def __init__(self, payment_intent_id: str, *, param: str = "id") -> None:
        super().__init__("payment_intent", payment_intent_id, param=param)


class ChargeNotFound(ResourceMissing):
    def __init__(self, charge_id: str, *, param: str = "id") -> None:
        super().__init__("charge", charge_id, param=param)


class RefundNotFound(ResourceMissing):
    def __init__(self, refund_id: str) -> None:
        super().__init__("refund", refund_id)


class UnexpectedState(InvalidRequestError):
    default_code = "payment_intent_unexpected_state"

    def __init__(self, message: str, payment_intent: dict[str, Any]) -> None:
        super().__init__(message, extra={"payment_intent": payment_intent})


class AmountTooSmall(InvalidRequestError):
    default_code = "amount_too_small"

    def __init__(self, minimum: str, currency: str) -> None:
        super().__init__(f"Amount must be at least {minimum} {currency}.", param="amount")


class PaymentDeclined(CardError):
    """A decline is an outcome: the failed charge and the PaymentIntent's new state are kept."""

    keep_changes = True


class ClientSecretMismatch(InvalidRequestError):
    http_status = 404

    def __init__(self, payment_intent_id: str) -> None:
        super().__init__(
            f"No such payment_intent: '{payment_intent_id}' (the client_secret does not match).",
            param="client_secret",
            code="resource_missing",
        )


class ProcessorUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "The payment processor did not answer in time. Nothing was recorded; retry the request with the "
            "same Idempotency-Key and the processor will be asked the same question again.",
            code="processor_unavailable",
        )


class ProcessorNotConfigured(ApiError):
    """Live mode with no real processor configured: nothing was sent anywhere, nothing is kept.

    503, as for any missing dependency, but not worth retrying until the operator configures one; the
    Idempotency-Key is released, so the same request runs again once a processor is configured."""

    http_status = 503
    before_execution = True
    should_retry = False

    def __init__(self) -> None:
        super().__init__(
            "No payment processor is configured for live mode, so this live payment cannot be processed. "
            "The operator of this Lynk network must configure a live processor; the test-card simulator "
            "only serves test mode.",
            code="processor_not_configured",
        )


class ProcessorKeyConflict(LynkError):
    """The processor holds this call's idempotency key for another question: a defect in Lynk, answered plainly.

    Nothing was done by this request. It is logged as an error, since a key that comes back with other
    parameters means Lynk lost track of an earlier call."""

    http_status = 409
    error_type = "api_error"
    default_code = "processor_key_conflict"

    def __init__(self, key: str) -> None:
        super().__init__(
            "The payment processor already received another request under this operation's key, so Lynk did not "
            f"send this one (processor key {key!r}). Nothing was changed; this is a fault in Lynk to report."
        )


class ProcessorDisagrees(ServiceUnavailable):
    """The processor refused an operation that Lynk's records allow (it does not know the payment, or holds it
    in another state). That is not the merchant's doing: nothing is recorded, the Idempotency-Key is released,
    and the request can be retried once the two agree again."""

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(
            f"The payment processor refused the {operation}, which Lynk's records allow ({detail}). Nothing was "
            "recorded; retry the request with the same Idempotency-Key.",
            code="processor_state_mismatch",
        )


class AttemptInFlight(LynkError):
    """An attempt on the intent is with the processor: a page waits for its outcome and asks again."""

    http_status = 409
    retryable = True

    def __init__(self) -> None:
        super().__init__("This payment is already being processed.")
