"""The one error tree. Every error a user can see is a LynkError subclass.

Each carries the fields of Stripe's error JSON (`type`, `code`, `message`, `param`,
`decline_code`) and an HTTP status; `lynk.api.errors` turns them into Stripe's body
in one place. `before_execution` marks errors raised before an endpoint started
its work (bad key, bad parameters): Stripe stores no idempotent result for those.

    LynkError
    ├── InvalidRequestError (400)
    │   ├── ParameterError (400, before execution)
    │   │   ├── ParameterUnknown, ParameterMissing, ParameterInvalid
    │   ├── RequestTooLarge (413, before execution)
    │   ├── ResourceMissing (404)
    │   └── UnrecognizedUrl (404, before execution)
    ├── AuthenticationError (401, before execution)
    ├── PermissionDenied (403, before execution)
    ├── CardError (402)
    ├── IdempotencyError (400) / IdempotencyKeyInUse (409)
    ├── RateLimited (429)
    ├── ServiceUnavailable (503, retryable: the idempotency key is released)
    └── ApiError (500)
"""

from __future__ import annotations

from typing import Any, ClassVar


class LynkError(Exception):
    http_status: ClassVar[int] = 400
    error_type: ClassVar[str] = "invalid_request_error"
    default_code: ClassVar[str | None] = None
    before_execution: ClassVar[bool] = False
    # An error that is itself an outcome to keep (a declined payment): the request's writes
    # commit, and the error is the response.
    keep_changes: ClassVar[bool] = False
    # Nothing was decided, so a retry with the same Idempotency-Key must run again (not replay this).
    retryable: ClassVar[bool] = False
    # `Stripe-Should-Retry`: None leaves it to the status (409, 429 and 5xx are worth a retry).
    should_retry: ClassVar[bool | None] = None

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code or self.default_code
        self.decline_code = decline_code
        self.extra = extra or {}

    def to_dict(self) -> dict[str, Any]:
        """Stripe's `error` object; keys without a value are left out, as Stripe does."""
        body: dict[str, Any] = {"type": self.error_type, "message": self.message}
        for key in ("code", "param", "decline_code"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        if self.code:
            body["doc_url"] = f"https://docs.stripe.com/error-codes/{self.code.replace('_', '-')}"
        body.update(self.extra)
        return body


class InvalidRequestError(LynkError):
    pass


class ParameterError(InvalidRequestError):
    before_execution = True


class ParameterUnknown(ParameterError):
    default_code = "parameter_unknown"

    def __init__(self, param: str) -> None:
        super().__init__(f"Received unknown parameter: {param}", param=param)


class ParameterMissing(ParameterError):
    default_code = "parameter_missing"

    def __init__(self, param: str) -> None:
        super().__init__(f"Missing required param: {param}.", param=param)


class ParameterInvalid(ParameterError):
    """A parameter with a bad value; `code` says how (`parameter_invalid_integer`, …)."""

    default_code = "parameter_invalid"


class RequestTooLarge(InvalidRequestError):
    http_status = 413
    before_execution = True
    default_code = "request_too_large"


class ResourceMissing(InvalidRequestError):
    http_status = 404
    default_code = "resource_missing"

    def __init__(self, object_name: str, object_id: str, *, param: str = "id") -> None:
        super().__init__(f"No such {object_name}: '{object_id}'", param=param)


class UnrecognizedUrl(InvalidRequestError):
    http_status = 404
    before_execution = True


class AuthenticationError(LynkError):
    http_status = 401
    before_execution = True


class PermissionDenied(LynkError):
    http_status = 403
    error_type = "invalid_request_error"
    before_execution = True


class CardError(LynkError):
    http_status = 402
    error_type = "card_error"


class IdempotencyError(LynkError):
    error_type = "idempotency_error"


class IdempotencyKeyInUse(LynkError):
    http_status = 409
    error_type = "idempotency_error"
    default_code = "idempotency_key_in_use"
    before_execution = True


class RateLimited(LynkError):
    http_status = 429
    error_type = "invalid_request_error"
    default_code = "rate_limit"


class ApiError(LynkError):
    http_status = 500
    error_type = "api_error"


class ServiceUnavailable(LynkError):
    """Something Lynk depends on (a processor) did not answer; retrying is safe."""

    http_status = 503
    error_type = "api_error"
    retryable = True
