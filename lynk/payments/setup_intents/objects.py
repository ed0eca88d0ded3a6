"""SetupIntent, SetupAttempt and Mandate objects as Stripe renders them (no HTTP here)."""

from __future__ import annotations

from typing import Any

from lynk.models import Mandate, SetupAttempt, SetupIntent
from lynk.payments.objects import api_error


def setup_intent_object(si: SetupIntent) -> dict[str, Any]:
    return {
        "id": si.id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": None,
        "cancellation_reason": si.cancellation_reason,
        "client_secret": si.client_secret,
        "created": si.created,
        "customer": si.customer_id,
        "description": si.description,
        "excluded_payment_method_types": None,
        "flow_directions": None,
        "last_setup_error": api_error(si.last_setup_error),
        "latest_attempt": si.latest_attempt_id,
        "livemode": si.livemode,
        "mandate": si.mandate_id,
        "metadata": dict(si.metadata_),
        "next_action": si.next_action,
        "on_behalf_of": None,
        "payment_method": si.payment_method_id,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": (si.payment_method_options.get("card") or {}).get(
                    "request_three_d_secure", "automatic"
                ),
            }
        },
        "payment_method_types": list(si.payment_method_types),
        "single_use_mandate": None,
        "status": si.status,
        "usage": si.usage,
    }


def setup_attempt_object(attempt: SetupAttempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "object": "setup_attempt",
        "application": None,
        "created": attempt.created,
        "customer": attempt.customer_id,
        "flow_directions": None,
        "livemode": attempt.livemode,
        "on_behalf_of": None,
        "payment_method": attempt.payment_method_id,
        "payment_method_details": attempt.payment_method_details,
        "setup_error": api_error(attempt.setup_error),
        "setup_intent": attempt.setup_intent_id,
        "status": attempt.status,
        "usage": attempt.usage,
    }


def mandate_object(mandate: Mandate, status: str | None = None, method_type: str = "card") -> dict[str, Any]:
    """`status` overrides the stored one when the mandate no longer covers its method (see `mandates`);
    `method_type` is the type of that method (a bank account's mandate is not a card's)."""
    return {
        "id": mandate.id,
        "object": "mandate",
        # `offline` and `online` are optional in Stripe's spec: only the one of the acceptance's type is shown.
        "customer_acceptance": {k: v for k, v in mandate.customer_acceptance.items() if v is not None},
        "livemode": mandate.livemode,
        "multi_use": {} if mandate.type == "multi_use" else None,
        "on_behalf_of": None,
        "payment_method": mandate.payment_method_id,
        "payment_method_details": {"type": method_type, method_type: {}},
        "single_use": None,
        "status": status or mandate.status,
        "type": mandate.type,
    }
