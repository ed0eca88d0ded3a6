"""What a publishable key may read: Stripe's client-safe subset of an object.

A browser holding a client secret sees only the fields Stripe marks "retrievable with publishable key"
(never the customer, the charge, metadata or amounts received), and may expand only what that subset
names. Objects not listed here lose their metadata, the one field every object keeps from browsers.
"""

from __future__ import annotations

from typing import Any

from lynk.core.errors import InvalidRequestError

_PAYMENT_METHOD = frozenset(
    {"id", "object", "allow_redisplay", "billing_details", "card", "created", "customer", "link", "livemode"}
    | {"type", "us_bank_account"}
)
FIELDS: dict[str, frozenset[str]] = {
    "payment_intent": frozenset(
        {"id", "object", "amount", "amount_details", "automatic_payment_methods", "canceled_at"}
        | {"cancellation_reason", "capture_method", "client_secret", "confirmation_method", "created", "currency"}
        | {"description", "excluded_payment_method_types", "last_payment_error", "livemode", "next_action"}
        | {"payment_method", "payment_method_configuration_details", "payment_method_types", "processing"}
        | {"receipt_email", "setup_future_usage", "shipping", "status"}
    ),
    "setup_intent": frozenset(
        {"id", "object", "cancellation_reason", "client_secret", "created", "description", "last_setup_error"}
        | {"livemode", "next_action", "payment_method", "payment_method_types", "status", "usage"}
    ),
    "payment_method": _PAYMENT_METHOD,
}
EXPANDABLE: dict[str, frozenset[str]] = {
    "payment_intent": frozenset({"payment_method"}),
    "setup_intent": frozenset({"payment_method"}),
}


def check_expand(obj: dict[str, Any], paths: list[str]) -> None:
    """Refuse, before anything is loaded, an `expand[]` reaching outside the client-safe subset."""
    allowed = EXPANDABLE.get(str(obj.get("object")), frozenset())
    for index, path in enumerate(paths):
        if path.split(".")[0] not in allowed:
            raise InvalidRequestError(
                f"This property cannot be expanded with a publishable API key ({path}). Retrieve the object "
                "with your secret key to expand it.",
                param=f"expand[{index}]",
            )


def reduce(obj: dict[str, Any]) -> dict[str, Any]:
    """Keep what a publishable key may see, in `obj` and in every object inside it."""
    kept = FIELDS.get(str(obj.get("object")))
    for key in list(obj):
        if (kept is not None and key not in kept) or key == "metadata":
            del obj[key]
        elif isinstance(obj[key], dict):
            reduce(obj[key])
        elif isinstance(obj[key], list):
            for item in obj[key]:
                if isinstance(item, dict):
                    reduce(item)
    return obj
