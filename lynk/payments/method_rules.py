"""Which PaymentMethod a confirm may use: single-use cards, and what a publishable key may reach.

A card that paid while attached to no customer is spent (`consumed`), whoever asks, as at Stripe.
A publishable key (a shopper's browser holding the client secret) may pay only on session, and only
with a method of its own flow: one created for this payment (by the browser, or in the confirm
itself), one the merchant's server put on the intent, a card the server's chosen customer saved, or
a Link session the shopper just verified. Charging a saved `link` method or anything off session is
the merchant's server's act, with the secret key.
"""

from __future__ import annotations

from lynk.core.errors import InvalidRequestError
from lynk.models import PaymentMethod
from lynk.payment_methods.errors import PaymentMethodConsumed


class OffSessionNeedsSecretKey(InvalidRequestError):
    def __init__(self) -> None:
        super().__init__(
            "off_session can only be set with your secret key: an off-session payment is made by your server, "
            "without the customer. Confirm from the browser on session, or confirm off session from your server.",
            param="off_session",
        )


class SavedLinkNeedsSecretKey(InvalidRequestError):
    def __init__(self) -> None:
        super().__init__(
            "A saved Link PaymentMethod can only be charged again with your secret key. From the browser, pay "
            "with Link through a session the customer verifies (payment_method_data[type]=link).",
            param="payment_method",
        )


def check_off_session(*, publishable: bool, off_session: bool | None) -> None:
    if publishable and off_session:
        raise OffSessionNeedsSecretKey()


def check_usable(method: PaymentMethod, *, publishable: bool, verified_link: bool) -> None:
    """Refuse a spent card (any key) and a saved `link` method reached from the browser."""
    if method.consumed:
        raise PaymentMethodConsumed()
    if publishable and method.type == "link" and not verified_link:
        raise SavedLinkNeedsSecretKey()


def spend_if_single_use(method: PaymentMethod) -> None:
    """The card paid: without a customer to keep it, it may never pay again."""
    if method.type == "card" and method.customer_id is None:
        method.consumed = True
