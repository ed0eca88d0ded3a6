"""Errors of the Link network, each with a message a shopper (or the page showing it) can act on."""

from __future__ import annotations

from lynk.core.errors import (
    AuthenticationError,
    CardError,
    InvalidRequestError,
    PermissionDenied,
    RateLimited,
    ResourceMissing,
)


class ConsumerAccountExists(InvalidRequestError):
    default_code = "consumer_account_exists"

    def __init__(self) -> None:
        super().__init__(
            "A Link account already exists for this email address. Look it up and verify it instead.",
            param="email",
        )


class InvalidEmail(InvalidRequestError):
    default_code = "email_invalid"

    def __init__(self, param: str = "email") -> None:
        super().__init__("Invalid email address: it must look like name@example.com.", param=param)


class InvalidPhone(InvalidRequestError):
    default_code = "phone_invalid"

    def __init__(self, param: str = "phone") -> None:
        super().__init__(
            "Invalid phone number: give it in international E.164 form, such as +14155550123, or with its country.",
            param=param,
        )


class PremiumRatePhone(InvalidRequestError):
    """A premium-rate or shared-cost number: texting it pays whoever rents it (SMS pumping)."""

    default_code = "phone_premium_rate"

    def __init__(self, param: str = "phone") -> None:
        super().__init__(
            "This phone number is a premium-rate or shared-cost number, which Link does not send codes to. "
            "Give a mobile or landline number.",
            param=param,
        )


class ConsumerSessionInvalid(AuthenticationError):
    """A missing, unknown, expired or logged-out session secret, or one used outside its binding."""

    default_code = "consumer_session_invalid"
    before_execution = False


class ConsumerSessionNotVerified(PermissionDenied):
    default_code = "consumer_session_not_verified"
    before_execution = False

    def __init__(self) -> None:
        super().__init__(
            "This consumer session is not verified yet: confirm the verification code first.",
            param="consumer_session_client_secret",
        )


class VerificationCodeInvalid(InvalidRequestError):
    default_code = "consumer_verification_code_invalid"


class VerificationLocked(RateLimited):
    default_code = "consumer_verification_locked"

    def __init__(self, retry_after: int, until: int) -> None:
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(
            f"Too many wrong verification codes. Verification is locked for this account; "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            extra={"retry_after": retry_after, "locked_until": until},
        )


class ResendTooSoon(RateLimited):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"A code was sent moments ago. You can ask for a new one in {retry_after} "
            f"second{'s' if retry_after != 1 else ''}.",
            extra={"retry_after": retry_after},
        )


class TooManyRequests(RateLimited):
    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(
            f"Too many {what}. Try again in {retry_after} second{'s' if retry_after != 1 else ''}.",
            extra={"retry_after": retry_after},
        )


class PaymentDetailNotFound(ResourceMissing):
    def __init__(self, detail_id: str, *, param: str = "id") -> None:
        super().__init__("payment detail", detail_id, param=param)


class ShippingAddressNotFound(ResourceMissing):
    def __init__(self, address_id: str, *, param: str = "id") -> None:
        super().__init__("shipping address", address_id, param=param)


class GrantNotFound(ResourceMissing):
    def __init__(self, grant_id: str, *, param: str = "id") -> None:
        super().__init__("grant", grant_id, param=param)


class DetailNotACard(InvalidRequestError):
    default_code = "consumer_payment_detail_unsupported"

    def __init__(self) -> None:
        super().__init__(
            "This Link payment detail is a bank account, and only a card can be verified here. Choose a card, "
            "or pay with the bank account (with setup_future_usage=off_session to charge it again later).",
            param="payment_method_data[link][payment_detail]",
        )


class NoPaymentDetail(InvalidRequestError):
    default_code = "consumer_payment_detail_missing"

    def __init__(self) -> None:
        super().__init__(
            "This Link account has no saved payment detail to pay with. Add a card first.",
            param="payment_method_data[link][payment_detail]",
        )


class LinkNotAllowed(InvalidRequestError):
    default_code = "payment_method_type_not_allowed"

    def __init__(self) -> None:
        super().__init__(
            "This PaymentIntent does not accept Link: add `link` to its payment_method_types.",
            param="payment_method_data[type]",
        )


class GrantRevoked(CardError):
    """The shopper revoked the merchant's access to this `link` PaymentMethod."""

    default_code = "payment_method_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "The shopper revoked this Link payment method, so it can no longer be charged. Ask the shopper to pay "
            "again with Link.",
            param="payment_method",
        )


class OffSessionNotGranted(CardError):
    default_code = "authentication_required"

    def __init__(self) -> None:
        super().__init__(
            "This Link payment method was not set up for off-session payments (setup_future_usage=off_session), "
            "so the shopper must pay with a verified Link session.",
            param="payment_method",
        )


class DeviceNotFound(ResourceMissing):
    def __init__(self, device_id: str, *, param: str = "id") -> None:
        super().__init__("device", device_id, param=param)


class StepUpRequired(PermissionDenied):
    """A session verified from a new device and a new network asks for a second code before it changes the
    account or ships somewhere new (see step_up.py)."""

    default_code = "consumer_session_step_up_required"
    before_execution = False

    def __init__(self, action: str) -> None:
        super().__init__(
            f"Confirm it's you again before {action}: this consumer session was verified from a new device and "
            "a new network. Send a new code (start_verification) and confirm it (confirm_verification).",
            param="consumer_session_client_secret",
        )
