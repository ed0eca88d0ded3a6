"""The customer object as Stripe renders it (no HTTP here, so services can snapshot it for events)."""

from __future__ import annotations

from typing import Any

from lynk.models import Customer


def _address(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {key: value.get(key) for key in ("city", "country", "line1", "line2", "postal_code", "state")}


def _shipping(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"address": _address(value.get("address") or {}), "name": value.get("name"), "phone": value.get("phone")}


def customer_object(customer: Customer) -> dict[str, Any]:
    """The customer as Stripe renders it; unset fields are null."""
    return {
        "id": customer.id,
        "object": "customer",
        "address": _address(customer.address),
        "balance": customer.balance,
        "created": customer.created,
        "currency": customer.currency,
        "default_source": None,
        "delinquent": False,
        "description": customer.description,
        "discount": None,
        "email": customer.email,
        "invoice_prefix": customer.invoice_prefix,
        "invoice_settings": dict(customer.invoice_settings),
        "livemode": customer.livemode,
        "metadata": dict(customer.metadata_),
        "name": customer.name,
        "next_invoice_sequence": customer.next_invoice_sequence,
        "phone": customer.phone,
        "preferred_locales": list(customer.preferred_locales),
        "shipping": _shipping(customer.shipping),
        "tax_exempt": customer.tax_exempt,
        "test_clock": customer.test_clock_id,
    }


def deleted_customer_object(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "object": "customer", "deleted": True}
