"""Errors of the payment methods domain."""

from __future__ import annotations

from lynk.core.errors import InvalidRequestError, ResourceMissing


class PaymentMethodNotFound(ResourceMissing):
    def __init__(self, payment_method_id: str, *, param: str = "id") -> None:
        super().__init__("PaymentMethod", payment_method_id, param=param)


class AlreadyAttached(InvalidRequestError):
    default_code = "payment_method_already_attached"

    def __init__(self) -> None:
        super().__init__(
            "The payment method you provided has already been attached to a customer. Detach it first, "
            "or create a new PaymentMethod for the other customer.",
            param="customer",
        )


class NotAttached(InvalidRequestError):
    default_code = "payment_method_not_attached"

    def __init__(self) -> None:
        super().__init__("The payment method you provided is not attached to a customer so detachment is impossible.")


class RawCardDataRefused(InvalidRequestError):
    default_code = "raw_card_data_unsupported"

    def __init__(self) -> None:
        super().__init__(
            "Sending card numbers to the live-mode API with a secret key is refused. Collect cards with "
            "Lynk's checkout page or lynk.js, or use test mode.",
            param="card[number]",
        )


class CardDetailsMissing(InvalidRequestError):
    default_code = "parameter_missing"

    def __init__(self) -> None:
        super().__init__(
            "Missing required param: card. Send card[number], card[exp_month] and card[exp_year], "
            "or card[token] with a test token such as tok_visa.",
            param="card",
        )


class PaymentMethodConsumed(InvalidRequestError):
    def __init__(self) -> None:
        super().__init__(
            "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, "
            "shared with a connected account without Customer attachment, or was detached from a Customer. It "
            "may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.",
            param="payment_method",
        )


class ConsumedNotAttachable(InvalidRequestError):
    def __init__(self) -> None:
        super().__init__(
            "This PaymentMethod was previously used without being attached to a Customer or was detached from a "
            "Customer, and may not be used again.",
            param="id",
        )
