"""Errors of the checkout domain."""

from __future__ import annotations

from lynk.core.errors import InvalidRequestError, ResourceMissing


class CheckoutSessionNotFound(ResourceMissing):
    def __init__(self, session_id: str) -> None:
        super().__init__("checkout.session", session_id)


class SessionNotOpen(InvalidRequestError):
    default_code = "checkout_session_unexpected_state"

    def __init__(self, session_id: str, status: str, action: str) -> None:
        super().__init__(
            f'Only Checkout Sessions with a status in ["open"] can be {action}; '
            f"the Checkout Session {session_id} is {status}."
        )


class ModeNotSupported(InvalidRequestError):
    def __init__(self, mode: str) -> None:
        super().__init__(
            f"mode={mode} is not supported by this Lynk network yet: Checkout Sessions take mode=payment "
            "or mode=setup.",
            param="mode",
            code="parameter_invalid",
        )


class SessionExpired(InvalidRequestError):
    def __init__(self) -> None:
        super().__init__("This checkout session has expired.", code="checkout_session_expired")
