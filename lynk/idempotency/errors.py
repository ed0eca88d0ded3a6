"""Errors a client sees when it reuses an idempotency key wrongly."""

from __future__ import annotations

from lynk.core.errors import IdempotencyError, IdempotencyKeyInUse


class KeyReusedWithOtherParameters(IdempotencyError):
    def __init__(self, key: str) -> None:
        super().__init__(
            "Keys for idempotent requests can only be used with the same parameters they were first "
            f"used with. Try using a key other than '{key}' if you meant to execute a different request."
        )


class KeyInUse(IdempotencyKeyInUse):
    def __init__(self) -> None:
        super().__init__(
            "There is currently another in-progress request using this Idempotency-Key (that probably "
            "means you submitted twice, and the other request is still going through). Please try again later."
        )


class KeyEmpty(IdempotencyError):
    def __init__(self) -> None:
        super().__init__(
            "The Idempotency-Key header is empty. Send a unique key (such as a V4 UUID) to make the request "
            "idempotent, or leave the header out."
        )


class KeyTooLong(IdempotencyError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Idempotency-Key must be at most {limit} characters long.")
