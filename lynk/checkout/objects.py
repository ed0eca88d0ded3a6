"""Checkout Session and line item objects as Stripe renders them (no HTTP here)."""

from __future__ import annotations

from typing import Any

from lynk.checkout import customisation
from lynk.models import CheckoutLineItem, CheckoutSession, CheckoutSessionStatus

EMPTY_ADDRESS = {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


def page_url(public_url: str, session_id: str) -> str:
    return f"{public_url.rstrip('/')}/c/pay/{session_id}"


def _customer_details(session: CheckoutSession) -> dict[str, Any] | None:
    given = session.customer_details
    if given is None:
        return None
    return {
        "address": {**EMPTY_ADDRESS, **(given.get("address") or {})},
        "email": given.get("email"),
        "name": given.get("name"),
        "phone": given.get("phone"),
        "tax_exempt": "none",
        "tax_ids": [],
    }


def checkout_session_object(session: CheckoutSession, *, public_url: str) -> dict[str, Any]:
    is_open = session.status == CheckoutSessionStatus.OPEN
    hosted = customisation.kind(session.ui_mode) == "hosted"
    return {
        "id": session.id,
        "object": "checkout.session",
        "allow_promotion_codes": None,
        "amount_subtotal": session.amount_subtotal,
        "amount_total": session.amount_total,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "cancel_url": session.cancel_url,
        "client_reference_id": session.client_reference_id,
        "created": session.created,
        "currency": session.currency,
        "custom_fields": [],
        "customer": session.customer_id,
        "customer_details": _customer_details(session),
        "shipping_details": (session.customer_details or {}).get("shipping"),
        "customer_email": session.customer_email,
        "expires_at": session.expires_at,
        "invoice": None,
        "invoice_creation": None,
        "livemode": session.livemode,
        "metadata": dict(session.metadata_),
        "mode": session.mode,
        "payment_intent": session.payment_intent_id,
        "setup_intent": session.setup_intent_id,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_types": list(session.payment_method_types),
        "payment_status": session.payment_status,
        "recovered_from": session.recovered_from,
        "shipping_cost": None,
        "shipping_options": [],
        "status": session.status,
        "subscription": None,
        "success_url": session.success_url,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "url": page_url(public_url, session.id) if is_open and hosted else None,
        **customisation.rendered(session, public_url),
    }


def line_item_object(item: CheckoutLineItem, *, livemode: bool, price: dict[str, Any] | None = None) -> dict[str, Any]:
    """A line; `price` is the Price object of a line made from a `price` (else the inline one is shown)."""
    return {
        "id": item.id,
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": item.amount_total,
        "amount_tax": 0,
        "amount_total": item.amount_total,
        "currency": item.currency,
        "description": item.description,
        "price": price
        or {
            "id": item.price_id,
            "object": "price",
            "active": False,
            "billing_scheme": "per_unit",
            "created": item.created,
            "currency": item.currency,
            "custom_unit_amount": None,
            "livemode": livemode,
            "lookup_key": None,
            "metadata": {},
            "nickname": None,
            "product": item.product_id,
            "recurring": None,
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "one_time",
            "unit_amount": item.unit_amount,
            "unit_amount_decimal": str(item.unit_amount),
        },
        "quantity": item.quantity,
    }
