"""Request parameters of /v1/checkout/sessions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import FormInt, FormList, Metadata, NestedParams, Params, RedirectUrl, Timestamp

Id = Annotated[str, Field(min_length=1, max_length=255)]
Currency = Annotated[str, Field(min_length=3, max_length=3)]


class ProductData(NestedParams):
    name: Annotated[str, Field(min_length=1, max_length=250)]
    description: Annotated[str, Field(max_length=1000)] | None = None


class PriceData(NestedParams):
    currency: Currency
    unit_amount: Annotated[FormInt, Field(ge=0, le=99_999_999)]
    product_data: ProductData


class LineItemParams(NestedParams):
    price_data: PriceData | None = None
    price: Id | None = None
    quantity: Annotated[FormInt, Field(ge=1, le=999_999)] = 1


class PaymentIntentData(NestedParams):
    capture_method: Literal["automatic", "automatic_async", "manual"] = "automatic"
    description: Annotated[str, Field(max_length=1000)] | None = None
    metadata: Metadata | None = None
    receipt_email: Annotated[str, Field(max_length=512)] | None = None
    statement_descriptor: Annotated[str, Field(max_length=22)] | None = None


class CreateCheckoutSession(Params):
    mode: Literal["payment", "setup", "subscription"]
    currency: Currency | None = None
    line_items: Annotated[FormList[LineItemParams], Field(max_length=100)] | None = None
    success_url: RedirectUrl | None = None
    cancel_url: RedirectUrl | None = None
    client_reference_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    customer: Id | None = None
    customer_email: Annotated[str, Field(min_length=3, max_length=512)] | None = None
    payment_method_types: Annotated[FormList[Literal["card", "link"]], Field(min_length=1, max_length=5)] | None = None
    payment_intent_data: PaymentIntentData | None = None
    metadata: Metadata | None = None
    expires_at: Timestamp | None = None


class RetrieveCheckoutSession(Params):
    pass


class ExpireCheckoutSession(Params):
    pass


class ListCheckoutSessions(ListParams):
    payment_intent: Id | None = None
    customer: Id | None = None
    status: Literal["open", "complete", "expired"] | None = None
    created: CreatedParam | None = None


class ListLineItems(ListParams):
    pass
