"""The PaymentMethod object as Stripe renders it (no HTTP here, so services can snapshot it)."""

from __future__ import annotations

from typing import Any

from lynk.models import PaymentMethod


def payment_method_object(payment_method: PaymentMethod) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "id": payment_method.id,
        "object": "payment_method",
        "allow_redisplay": payment_method.allow_redisplay,
        "billing_details": payment_method.billing_details,
        "created": payment_method.created,
        "customer": payment_method.customer_id,
        "livemode": payment_method.livemode,
        "metadata": dict(payment_method.metadata_),
        "type": payment_method.type,
    }
    if payment_method.type == "link":
        # The card stays in the Link network: the merchant sees the shopper's email only.
        rendered["link"] = {"email": (payment_method.link or {}).get("email"), "persistent_token": None}
    elif payment_method.type == "us_bank_account":
        rendered["us_bank_account"] = payment_method.us_bank_account
    else:
        rendered["card"] = payment_method.card
    return rendered
