"""Request parameters of /v1/products and /v1/prices."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import FormInt, FormList, Metadata, NestedParams, Params, Unsettable

Id = Annotated[str, Field(min_length=1, max_length=255)]
Currency = Annotated[str, Field(min_length=3, max_length=3)]
UnitAmount = Annotated[FormInt, Field(ge=0, le=99_999_999)]
Name = Annotated[str, Field(min_length=1, max_length=250)]
Descriptor = Annotated[str, Field(max_length=22)]
UnitLabel = Annotated[str, Field(max_length=12)]
LookupKey = Annotated[str, Field(min_length=1, max_length=200)]
Url = Annotated[str, Field(max_length=2048)]
TaxCode = Annotated[str, Field(max_length=64)]  # Stripe's codes are `txcd_` and 8 digits; the column holds 64
TaxBehavior = Literal["exclusive", "inclusive", "unspecified"]


class Recurring(NestedParams):
    interval: Literal["day", "week", "month", "year"]
    interval_count: Annotated[FormInt, Field(ge=1, le=365)] = 1
    usage_type: Literal["licensed", "metered"] = "licensed"


class DefaultPriceData(NestedParams):
    currency: Currency
    unit_amount: UnitAmount
    recurring: Recurring | None = None
    tax_behavior: TaxBehavior | None = None
    metadata: Metadata | None = None


class MarketingFeature(NestedParams):
    name: Annotated[str, Field(min_length=1, max_length=80)]


class ProductFields(Params):
    active: bool | None = None
    description: Unsettable[Annotated[str, Field(max_length=40000)]] = None
    images: Unsettable[Annotated[FormList[Url], Field(max_length=8)]] = None
    marketing_features: Unsettable[Annotated[FormList[MarketingFeature], Field(max_length=15)]] = None
    metadata: Metadata | None = None
    shippable: bool | None = None
    statement_descriptor: Unsettable[Descriptor] = None
    tax_code: Unsettable[TaxCode] = None
    unit_label: Unsettable[UnitLabel] = None
    url: Unsettable[Url] = None

    def changes(self) -> dict[str, Any]:
        """The fields sent (metadata apart); None unsets."""
        names = [
            "active",
            "description",
            "images",
            "marketing_features",
            "shippable",
            "statement_descriptor",
            "tax_code",
            "unit_label",
            "url",
        ]
        values = {name: getattr(self, name) for name in names if self.given(name)}
        if values.get("marketing_features") is not None:
            values["marketing_features"] = [f.model_dump() for f in values["marketing_features"]]
        return values


class CreateProduct(ProductFields):
    name: Name
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    default_price_data: DefaultPriceData | None = None


class UpdateProduct(ProductFields):
    name: Name | None = None
    default_price: Id | None = None

    def changes(self) -> dict[str, Any]:
        values = super().changes()
        if self.name is not None:
            values["name"] = self.name
        return values


class ListProducts(ListParams):
    active: bool | None = None
    ids: FormList[Id] | None = None
    shippable: bool | None = None
    url: Url | None = None
    created: CreatedParam | None = None


class ProductData(NestedParams):
    name: Name
    active: bool | None = None
    metadata: Metadata | None = None
    statement_descriptor: Descriptor | None = None
    unit_label: UnitLabel | None = None
    tax_code: TaxCode | None = None


class CreatePrice(Params):
    currency: Currency
    product: Id | None = None
    product_data: ProductData | None = None
    unit_amount: UnitAmount | None = None
    unit_amount_decimal: Annotated[str, Field(max_length=20, pattern=r"^[0-9]+$")] | None = None
    active: bool | None = None
    billing_scheme: Literal["per_unit"] | None = None
    lookup_key: LookupKey | None = None
    transfer_lookup_key: bool = False
    metadata: Metadata | None = None
    nickname: Annotated[str, Field(max_length=250)] | None = None
    recurring: Recurring | None = None
    tax_behavior: TaxBehavior | None = None


class UpdatePrice(Params):
    active: bool | None = None
    lookup_key: Unsettable[LookupKey] = None
    transfer_lookup_key: bool = False
    metadata: Metadata | None = None
    nickname: Unsettable[Annotated[str, Field(max_length=250)]] = None
    tax_behavior: TaxBehavior | None = None


class RecurringFilter(NestedParams):
    interval: Literal["day", "week", "month", "year"] | None = None


class ListPrices(ListParams):
    active: bool | None = None
    currency: Currency | None = None
    product: Id | None = None
    type: Literal["one_time", "recurring"] | None = None
    lookup_keys: Annotated[FormList[LookupKey], Field(max_length=10)] | None = None
    recurring: RecurringFilter | None = None
    created: CreatedParam | None = None
