"""HTTP handlers for /v1/products and /v1/prices."""

from __future__ import annotations

from typing import Any

from lynk.products import service
from lynk.products.objects import price_object, product_object
from lynk.products.schemas import (
    CreatePrice,
    CreateProduct,
    DefaultPriceData,
    ListPrices,
    ListProducts,
    UpdatePrice,
    UpdateProduct,
)
from lynk.wire.lists import SearchParams, list_object, search_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Products", "Prices"])


def where(call: ApiCall) -> service.Where:
    return service.Where(session=call.session, scope=call.scope, now=call.now)


def _default_price(data: DefaultPriceData | None) -> service.NewPrice | None:
    if data is None:
        return None
    return service.NewPrice(
        currency=data.currency,
        unit_amount=data.unit_amount,
        recurring=data.recurring.model_dump() if data.recurring else None,
        tax_behavior=data.tax_behavior,
        metadata=data.metadata,
    )


@routes.post("/v1/products", params=CreateProduct, summary="Create a product")
async def create_product(call: ApiCall, params: CreateProduct) -> dict[str, Any]:
    product = await service.create_product(
        where(call),
        params.name,
        params.changes(),
        params.metadata,
        product_id=params.id,
        default_price=_default_price(params.default_price_data),
    )
    return product_object(product)


@routes.get("/v1/products/search", params=SearchParams, summary="Search products")
async def search_products(call: ApiCall, params: SearchParams) -> dict[str, Any]:
    page = await service.search_products(where(call), params.query, params.page_request())
    return search_object("/v1/products/search", [product_object(p) for p in page.items], page.has_more)


@routes.get("/v1/prices/search", params=SearchParams, summary="Search prices")
async def search_prices(call: ApiCall, params: SearchParams) -> dict[str, Any]:
    page = await service.search_prices(where(call), params.query, params.page_request())
    return search_object("/v1/prices/search", [price_object(p) for p in page.items], page.has_more)


@routes.get("/v1/products/{id}", params=NoParams, summary="Retrieve a product")
async def retrieve_product(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return product_object(await service.get_product(where(call), call.path["id"]))


@routes.post("/v1/products/{id}", params=UpdateProduct, summary="Update a product")
async def update_product(call: ApiCall, params: UpdateProduct) -> dict[str, Any]:
    product = await service.update_product(
        where(call), call.path["id"], params.changes(), params.metadata, default_price=params.default_price
    )
    return product_object(product)


@routes.delete("/v1/products/{id}", params=NoParams, summary="Delete a product")
async def delete_product(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return await service.delete_product(where(call), call.path["id"])


@routes.get("/v1/products", params=ListProducts, summary="List products")
async def list_products(call: ApiCall, params: ListProducts) -> dict[str, Any]:
    filters = service.ProductFilter(active=params.active, ids=params.ids, shippable=params.shippable, url=params.url)
    page = await service.list_products(where(call), params.page(params.created), filters)
    return list_object("/v1/products", [product_object(p) for p in page.items], page.has_more)


@routes.post("/v1/prices", params=CreatePrice, summary="Create a price")
async def create_price(call: ApiCall, params: CreatePrice) -> dict[str, Any]:
    unit_amount = params.unit_amount
    if unit_amount is None and params.unit_amount_decimal is not None:
        unit_amount = int(params.unit_amount_decimal)  # whole minor units only (the pattern allows no fraction)
    data = params.product_data
    new = service.NewPrice(
        currency=params.currency,
        unit_amount=unit_amount,
        product=params.product,
        product_data={
            "name": data.name,
            "active": data.active,
            "metadata": data.metadata,
            "statement_descriptor": data.statement_descriptor,
            "unit_label": data.unit_label,
            "tax_code": data.tax_code,
        }
        if data is not None
        else None,
        active=params.active if params.active is not None else True,
        lookup_key=params.lookup_key,
        transfer_lookup_key=params.transfer_lookup_key,
        metadata=params.metadata,
        nickname=params.nickname,
        recurring=params.recurring.model_dump() if params.recurring else None,
        tax_behavior=params.tax_behavior,
    )
    return price_object(await service.create_price(where(call), new))


@routes.get("/v1/prices/{id}", params=NoParams, summary="Retrieve a price")
async def retrieve_price(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return price_object(await service.get_price(where(call), call.path["id"]))


@routes.post("/v1/prices/{id}", params=UpdatePrice, summary="Update a price")
async def update_price(call: ApiCall, params: UpdatePrice) -> dict[str, Any]:
    names = ("active", "lookup_key", "nickname", "tax_behavior")
    changes = {name: getattr(params, name) for name in names if params.given(name)}
    price = await service.update_price(
        where(call), call.path["id"], changes, params.metadata, transfer_lookup_key=params.transfer_lookup_key
    )
    return price_object(price)


@routes.get("/v1/prices", params=ListPrices, summary="List prices")
async def list_prices(call: ApiCall, params: ListPrices) -> dict[str, Any]:
    filters = service.PriceFilter(
        active=params.active,
        currency=params.currency.lower() if params.currency else None,
        product=params.product,
        type=params.type,
        lookup_keys=params.lookup_keys,
        interval=params.recurring.interval if params.recurring else None,
    )
    page = await service.list_prices(where(call), params.page(params.created), filters)
    return list_object("/v1/prices", [price_object(p) for p in page.items], page.has_more)
