"""Card and bank-account errors raised by the vault; none of them ever carries the number."""

from __future__ import annotations

from lynk.core.errors import CardError, LynkError


class IncorrectNumber(CardError):
    default_code = "incorrect_number"

    def __init__(self) -> None:
        super().__init__("Your card number is incorrect.", param="number")


class InvalidExpiryMonth(CardError):
    default_code = "invalid_expiry_month"

    def __init__(self) -> None:
        super().__init__("Your card's expiration month is invalid.", param="exp_month")


class InvalidExpiryYear(CardError):
    default_code = "invalid_expiry_year"

    def __init__(self) -> None:
        super().__init__("Your card's expiration year is invalid.", param="exp_year")


class InvalidCvc(CardError):
    default_code = "invalid_cvc"

    def __init__(self) -> None:
        super().__init__("Your card's security code is invalid.", param="cvc")


class LiveModeTestCard(CardError):
    """A known test card number sent in live mode: declined before it is stored, as Stripe does."""

    default_code = "card_declined"

    def __init__(self) -> None:
        super().__init__(
            "Your card was declined. Your request was in live mode, but used a known test card.",
            decline_code="live_mode_test_card",
        )


class VaultKeyMissing(LynkError):
    """A stored card is wrapped under a master key this process does not have."""

    http_status = 500
    error_type = "api_error"

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"The vault master key {key_id} is not configured. Add it to LYNK_RETIRED_MASTER_KEYS "
            "or finish `lynk vault rotate-key`."
        )


class RoutingNumberInvalid(LynkError):
    """A routing number that is not 9 digits or fails the ABA checksum."""

    default_code = "routing_number_invalid"

    def __init__(self) -> None:
        super().__init__(
            "Invalid routing number: a US routing number is 9 digits with a valid ABA checksum.",
            param="routing_number",
        )


class AccountNumberInvalid(LynkError):
    default_code = "account_number_invalid"

    def __init__(self) -> None:
        super().__init__("Invalid account number: a US bank account number is 4 to 17 digits.", param="account_number")
