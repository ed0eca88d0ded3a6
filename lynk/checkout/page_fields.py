"""The hosted page's customisable fields: what the template shows for a session's options, and what the
page's confirm call must then carry (phone, billing address, shipping address, terms of service).

The session's `customer_details` and `shipping_details`, the PaymentMethod's billing address and the
PaymentIntent's `shipping` are filled from what the shopper typed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lynk.checkout import customisation
from lynk.models import CheckoutSession

SUBMIT_LABELS = {"book": "Book", "donate": "Donate", "pay": "Pay", "auto": "Pay"}
ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code", "state", "country")
REQUIRED_ADDRESS = ("line1", "city", "postal_code", "country")


@dataclass(frozen=True)
class Collected:
    """What the shopper typed beyond email, name and card."""

    phone: str | None = None
    address: dict[str, Any] | None = None
    shipping: dict[str, Any] | None = None
    terms_of_service: str | None = None

    def details(self) -> dict[str, Any]:
        """The session's `customer_details` additions (and `shipping` for `shipping_details`)."""
        found: dict[str, Any] = {}
        if self.phone:
            found["phone"] = self.phone
        if self.address:
            found["address"] = self.address
        if self.shipping:
            found["shipping"] = self.shipping
        if self.terms_of_service:
            found["terms_of_service"] = self.terms_of_service
        return found


class FieldMissing(Exception):
    """A field the session asks for is empty (`field` is the page's input name)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def template_values(session: CheckoutSession) -> dict[str, Any]:
    text = customisation.wants(session, "custom_text") or {}
    shipping = customisation.wants(session, "shipping_address_collection")
    consent = customisation.wants(session, "consent_collection") or {}
    locale = customisation.wants(session, "locale")
    return {
        "collect_phone": bool((customisation.wants(session, "phone_number_collection") or {}).get("enabled")),
        "collect_address": customisation.wants(session, "billing_address_collection") == "required",
        "shipping_countries": list(shipping["allowed_countries"]) if shipping else [],
        "submit_label": SUBMIT_LABELS[customisation.wants(session, "submit_type") or "auto"],
        "submit_text": (text.get("submit") or {}).get("message"),
        "after_submit_text": (text.get("after_submit") or {}).get("message"),
        "shipping_text": (text.get("shipping_address") or {}).get("message"),
        "terms_text": (text.get("terms_of_service_acceptance") or {}).get("message"),
        "terms_required": consent.get("terms_of_service") == "required",
        "lang": locale.split("-")[0] if locale and locale != "auto" else "en",
        "embedded": customisation.kind(session.ui_mode) == "embedded",
    }


def _text(body: dict[str, Any], name: str, limit: int = 200) -> str:
    value = body.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _address(body: dict[str, Any], prefix: str, countries: list[str] | None) -> dict[str, Any]:
    found: dict[str, Any] = {key: _text(body, f"{prefix}_{key}") or None for key in ADDRESS_FIELDS}
    for key in REQUIRED_ADDRESS:
        if not found[key]:
            raise FieldMissing("Enter your complete address.", f"{prefix}_{key}")
    found["country"] = str(found["country"]).upper()
    if countries is not None and found["country"] not in countries:
        raise FieldMissing("This shop does not ship to that country.", f"{prefix}_country")
    return found


def collect(session: CheckoutSession, body: dict[str, Any]) -> Collected:
    """The fields this session asks for, from the page's confirm call; `FieldMissing` when one is empty."""
    shown = template_values(session)
    phone = _text(body, "phone_number", 40) or None
    if shown["collect_phone"] and not phone:
        raise FieldMissing("Enter your phone number.", "phone_number")
    address = _address(body, "billing", None) if shown["collect_address"] else None
    shipping = None
    if shown["shipping_countries"]:
        name = _text(body, "shipping_name")
        if not name:
            raise FieldMissing("Enter the name to ship to.", "shipping_name")
        shipping = {"name": name, "address": _address(body, "shipping", shown["shipping_countries"])}
    terms = None
    if shown["terms_required"]:
        if body.get("terms") is not True:
            raise FieldMissing("Accept the terms of service to continue.", "terms")
        terms = "accepted"
    return Collected(
        phone=phone if shown["collect_phone"] else None, address=address, shipping=shipping, terms_of_service=terms
    )
