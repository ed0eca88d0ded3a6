"""Request parameters and the response shape of customers."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from lynk.core.errors import ParameterInvalid
from lynk.models import Customer
from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import MAX_INT, FormInt, FormList, Metadata, NestedParams, Params, ShortText, Unsettable

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INVOICE_PREFIX = re.compile(r"^[A-Z0-9]{3,12}$")


def _email(value: str | None) -> str | None:
    if value is not None and (len(value) > 512 or not _EMAIL.match(value)):
        raise ParameterInvalid(f"Invalid email address: {value[:100]}", param="email", code="email_invalid")
    return value


def _invoice_prefix(value: str | None) -> str | None:
    if value is not None and not _INVOICE_PREFIX.match(value):
        raise ParameterInvalid(
            "Invalid invoice_prefix: use 3 to 12 uppercase letters or numbers.", param="invoice_prefix"
        )
    return value


class AddressParams(NestedParams):
    city: Unsettable[ShortText] = None
    country: Unsettable[Annotated[str, Field(max_length=2)]] = None
    line1: Unsettable[ShortText] = None
    line2: Unsettable[ShortText] = None
    postal_code: Unsettable[ShortText] = None
    state: Unsettable[ShortText] = None


class ShippingParams(NestedParams):
    address: AddressParams
    name: Annotated[str, Field(min_length=1, max_length=500)]
    phone: Unsettable[ShortText] = None


class CustomField(NestedParams):
    name: Annotated[str, Field(min_length=1, max_length=40)]
    value: Annotated[str, Field(min_length=1, max_length=140)]


class RenderingOptions(NestedParams):
    amount_tax_display: Unsettable[Literal["exclude_tax", "include_inclusive_tax"]] = None
    template: Unsettable[ShortText] = None


class InvoiceSettingsParams(NestedParams):
    custom_fields: Unsettable[Annotated[FormList[CustomField], Field(max_length=4)]] = None
    footer: Unsettable[Annotated[str, Field(max_length=5000)]] = None
    rendering_options: Unsettable[RenderingOptions] = None


Email = Annotated[Unsettable[str], AfterValidator(_email)]
InvoicePrefix = Annotated[Unsettable[str], AfterValidator(_invoice_prefix)]
Balance = Annotated[FormInt, Field(ge=-MAX_INT, le=MAX_INT)]


class CustomerFields(Params):
    address: Unsettable[AddressParams] = None
    balance: Unsettable[Balance] = None
    description: Unsettable[Annotated[str, Field(max_length=5000)]] = None
    email: Email = None
    invoice_prefix: InvoicePrefix = None
    invoice_settings: Unsettable[InvoiceSettingsParams] = None
    metadata: Metadata | None = None
    name: Unsettable[Annotated[str, Field(max_length=256)]] = None
    next_invoice_sequence: Unsettable[Annotated[FormInt, Field(ge=1, le=MAX_INT)]] = None
    phone: Unsettable[Annotated[str, Field(max_length=64)]] = None
    preferred_locales: Unsettable[Annotated[FormList[Annotated[str, Field(max_length=20)]], Field(max_length=30)]] = (
        None
    )
    shipping: Unsettable[ShippingParams] = None
    tax_exempt: Unsettable[Literal["none", "exempt", "reverse"]] = None

    def changes(self) -> dict[str, Any]:
        """The fields this request sets or unsets (None), without metadata."""
        dumped = self.model_dump(include=self.model_fields_set - {"expand", "metadata"})
        if dumped.get("invoice_settings") is not None:
            given = self.invoice_settings.model_fields_set if self.invoice_settings else set()
            dumped["invoice_settings"] = {k: v for k, v in dumped["invoice_settings"].items() if k in given}
        return dumped


class CreateCustomer(CustomerFields):
    pass


class UpdateCustomer(CustomerFields):
    pass


class ListCustomers(ListParams):
    email: Annotated[str, Field(max_length=512)] | None = None
    created: CreatedParam | None = None


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
        "test_clock": None,
    }


def deleted_customer_object(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "object": "customer", "deleted": True}
