"""Request parameters of /v1/lynk/processors."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lynk.wire.params import FormInt, FormList, NestedParams, Params

Code = Annotated[str, Field(min_length=2, max_length=3)]
Brand = Annotated[str, Field(min_length=1, max_length=16)]
Amount = Annotated[FormInt, Field(ge=0, le=99_999_999_999)]


class Routing(NestedParams):
    currencies: Annotated[FormList[Code], Field(max_length=50)] | None = None
    card_brands: Annotated[FormList[Brand], Field(max_length=20)] | None = None
    countries: Annotated[FormList[Code], Field(max_length=250)] | None = None
    min_amount: Amount | None = None
    max_amount: Amount | None = None


class CreateProcessor(Params):
    kind: Literal["stripe", "adyen"]
    secret_key: Annotated[str, Field(min_length=1, max_length=500)]
    api_base: Annotated[str, Field(max_length=512, pattern=r"^https?://")] | None = None
    name: Annotated[str, Field(max_length=256)] | None = None
    priority: Annotated[FormInt, Field(ge=0, le=1000)] = 0
    routing: Routing | None = None
    webhook_secret: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    merchant_account: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    live_prefix: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9-]+$")] | None = None
    timeout_ms: Annotated[FormInt, Field(ge=100, le=120_000)] | None = None


class UpdateProcessor(Params):
    webhook_secret: Annotated[str, Field(max_length=500)] | None = None
