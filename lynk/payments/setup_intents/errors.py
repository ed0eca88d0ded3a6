"""Errors of SetupIntents, SetupAttempts and mandates."""

from __future__ import annotations

from typing import Any

from lynk.core.errors import CardError, InvalidRequestError, ResourceMissing


class SetupIntentNotFound(ResourceMissing):
    def __init__(self, setup_intent_id: str, *, param: str = "id") -> None:
        super().__init__("setup_intent", setup_intent_id, param=param)


class SetupAttemptNotFound(ResourceMissing):
    def __init__(self, attempt_id: str) -> None:
        super().__init__("setup_attempt", attempt_id)


class MandateNotFound(ResourceMissing):
    def __init__(self, mandate_id: str) -> None:
        super().__init__("mandate", mandate_id)


class SetupIntentUnexpectedState(InvalidRequestError):
    default_code = "setup_intent_unexpected_state"

    def __init__(self, message: str, setup_intent: dict[str, Any]) -> None:
        super().__init__(message, extra={"setup_intent": setup_intent})


class SetupDeclined(CardError):
    """A failed setup is an outcome: the attempt and `last_setup_error` are kept, and the call answers 402."""

    keep_changes = True


class SetupClientSecretMismatch(InvalidRequestError):
    http_status = 404

    def __init__(self, setup_intent_id: str) -> None:
        super().__init__(
            f"No such setup_intent: '{setup_intent_id}' (the client_secret does not match).",
            param="client_secret",
            code="resource_missing",
        )


class PaymentMethodTypeNotAllowed(InvalidRequestError):
    def __init__(self, method_type: str, allowed: list[str]) -> None:
        super().__init__(
            f"The PaymentMethod provided ({method_type}) is not allowed for this SetupIntent. "
            f"Its payment_method_types are: {', '.join(allowed)}.",
            param="payment_method",
            code="payment_method_invalid_parameter",
        )
