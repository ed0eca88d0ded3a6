"""Request parameters and the response shape of customers."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, WithJsonSchema

from lynk.core.errors import ParameterInvalid
from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import MAX_INT, FormInt, FormList, Metadata, NestedParams, Params, ShortText, Unsettable

# Whole-string patterns (`fullmatch`: `$` alone would let a trailing newline through),
# published as JSON Schema `pattern`s so the OpenAPI document states the same rule.
# Whitespace is spelled out, as `\s` differs between regex dialects (Python's has U+001C to U+001F,
# ECMA 262's has U+FEFF): this class is exactly Python's `\s`, the rule the server always had.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_EMAIL_PATTERN = rf"^[^@{_SPACE}]+@[^@{_SPACE}]+\.[^@{_SPACE}]+$"
_EMAIL = re.compile(_EMAIL_PATTERN)
_MAX_EMAIL_LENGTH = 512
_INVOICE_PREFIX_PATTERN = r"^[A-Z0-9]{3,12}$"
_INVOICE_PREFIX = re.compile(_INVOICE_PREFIX_PATTERN)


def _email(value: str | None) -> str | None:
    if value is not None and (len(value) > _MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(value)):
        raise ParameterInvalid(f"Invalid email address: {value[:100]}", param="email", code="email_invalid")
    return value


def _invoice_prefix(value: str | None) -> str | None:
    if value is not None and not _INVOICE_PREFIX.fullmatch(value):
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


EmailText = Annotated[
    str, WithJsonSchema({"type": "string", "maxLength": _MAX_EMAIL_LENGTH, "pattern": _EMAIL_PATTERN})
]
Email = Annotated[Unsettable[EmailText], AfterValidator(_email)]
InvoicePrefixText = Annotated[str, WithJsonSchema({"type": "string", "pattern": _INVOICE_PREFIX_PATTERN})]
InvoicePrefix = Annotated[Unsettable[InvoicePrefixText], AfterValidator(_invoice_prefix)]
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
    test_clock: Annotated[str, Field(min_length=1, max_length=255)] | None = None


class UpdateCustomer(CustomerFields):
    pass


class ListCustomers(ListParams):
    email: Annotated[str, Field(max_length=512)] | None = None
    created: CreatedParam | None = None
