"""The PaymentMethod object as Stripe renders it (no HTTP here, so services can snapshot it)."""

from __future__ import annotations

from typing import Any

from lynk.models import PaymentMethod


def payment_method_object(payment_method: PaymentMethod) -> dict[str, Any]:
    rendered = {
        "id": payment_method.id,
        "object": "payment_method",
        "allow_redisplay": payment_method.allow_redisplay,
        "billing_details": payment_method.billing_details,
        "card": payment_method.card,
        "created": payment_method.created,
        "customer": payment_method.customer_id,
        "livemode": payment_method.livemode,
        "metadata": dict(payment_method.metadata_),
        "type": payment_method.type,
    }
    if payment_method.type == "us_bank_account":
        rendered["us_bank_account"] = payment_method.us_bank_account
    return rendered
