"""Product and Price use cases. Fields arrive as plain values; `None` unsets a field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.errors import InvalidRequestError, ParameterInvalid
from lynk.core.ids import new_id
from lynk.core.metadata import MetadataUpdate
from lynk.core.money import currency as currency_of
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import Price, Product
from lynk.products import repository
from lynk.products.errors import LookupKeyTaken, PriceNotFound, ProductExists, ProductHasPrices, ProductNotFound
from lynk.products.objects import deleted_product_object, price_object, product_object
from lynk.products.repository import PriceFilter, ProductFilter

__all__ = ["NewPrice", "PriceFilter", "ProductFilter"]

# A product's fields a request may set, with the value an unset one takes.
PRODUCT_DEFAULTS: dict[str, Any] = {
    "active": True,
    "description": None,
    "images": [],
    "marketing_features": [],
    "shippable": None,
    "statement_descriptor": None,
    "tax_code": None,
    "unit_label": None,
    "url": None,
    "name": "",
}


@dataclass(frozen=True)
class Where:
    """The caller: a merchant's mode, its database session, the time."""

    session: AsyncSession
    scope: Scope
    now: int


@dataclass(frozen=True)
class NewPrice:
    currency: str
    unit_amount: int | None
    product: str | None = None
    product_data: Mapping[str, Any] | None = None
    active: bool = True
    lookup_key: str | None = None
    transfer_lookup_key: bool = False
    metadata: MetadataUpdate | None = None
    nickname: str | None = None
    recurring: Mapping[str, Any] | None = None
    tax_behavior: str | None = None


def _apply(product: Product, changes: Mapping[str, Any]) -> None:
    for name, value in changes.items():
        setattr(product, name, PRODUCT_DEFAULTS[name] if value is None else value)


async def create_product(
    at: Where,
    name: str,
    changes: Mapping[str, Any],
    metadata: MetadataUpdate | None,
    *,
    product_id: str | None = None,
    default_price: NewPrice | None = None,
) -> Product:
    if product_id is not None and await repository.get_product(at.session, at.scope, product_id, deleted=True):
        raise ProductExists(product_id)
    product = Product(
        id=product_id or new_id("prod", 14),
        created=at.now,
        updated=at.now,
        merchant_id=at.scope.merchant_id,
        livemode=at.scope.livemode,
        metadata_=(metadata or MetadataUpdate()).apply({}),
        default_price_id=None,
        deleted_at=None,
        **PRODUCT_DEFAULTS,
    )
    product.name = name
    _apply(product, changes)
    if product_id is None:
        await repository.add(at.session, product)
    else:
        try:  # the same id created by a concurrent request since the look above: refused, as that look would
            async with at.session.begin_nested():
                await repository.add(at.session, product)
        except IntegrityError:
            raise ProductExists(product_id) from None
    await events.record(at.session, at.scope, "product.created", product_object(product), now=at.now)
    if default_price is not None:
        price = await _new_price(at, product, default_price, param="default_price_data")
        product.default_price_id = price.id
        await at.session.flush()
    return product


async def get_product(at: Where, product_id: str, *, param: str = "id", for_update: bool = False) -> Product:
    product = await repository.get_product(at.session, at.scope, product_id, for_update=for_update)
    if product is None:
        raise ProductNotFound(product_id, param=param)
    return product


async def update_product(
    at: Where,
    product_id: str,
    changes: Mapping[str, Any],
    metadata: MetadataUpdate | None,
    *,
    default_price: str | None = None,
) -> Product:
    product = await get_product(at, product_id, for_update=True)
    before = product_object(product)
    _apply(product, changes)
    if default_price is not None:
        price = await get_price(at, default_price, param="default_price")
        if price.product_id != product.id or not price.active:
            raise ParameterInvalid(
                f"The default price must be an active price of this product; {price.id} is not.",
                param="default_price",
            )
        product.default_price_id = price.id
    if metadata is not None:
        product.metadata_ = metadata.apply(product.metadata_)
    after = product_object(product)
    previous = events.previous_attributes(before, after)
    if previous:
        product.updated = at.now
        await at.session.flush()
        after = product_object(product)
        await events.record(at.session, at.scope, "product.updated", after, now=at.now, previous=previous)
    return product


async def delete_product(at: Where, product_id: str) -> dict[str, Any]:
    product = await get_product(at, product_id, for_update=True)
    if await repository.count_prices(at.session, at.scope, product.id):
        raise ProductHasPrices(product.id)
    snapshot = product_object(product)
    product.deleted_at = at.now
    await at.session.flush()
    await events.record(at.session, at.scope, "product.deleted", snapshot, now=at.now)
    return deleted_product_object(product)


async def list_products(at: Where, page: PageRequest, where: ProductFilter) -> Page[Product]:
    return await repository.list_products(at.session, at.scope, page, where)


async def create_price(at: Where, new: NewPrice) -> Price:
    if (new.product is None) == (new.product_data is None):
        raise InvalidRequestError(
            "You must specify exactly one of product or product_data.",
            param="product" if new.product_data is None else "product_data",
        )
    if new.product is not None:
        product = await get_product(at, new.product, param="product")
    else:
        data = dict(new.product_data or {})
        product = await create_product(
            at,
            data.pop("name"),
            {k: v for k, v in data.items() if k != "metadata" and v is not None},
            data.get("metadata"),
        )
    return await _new_price(at, product, new, param="")


async def _new_price(at: Where, product: Product, new: NewPrice, *, param: str) -> Price:
    def named(name: str) -> str:
        return f"{param}[{name}]" if param else name

    code = currency_of(new.currency, param=named("currency")).code
    if new.unit_amount is None:
        raise InvalidRequestError(
            "Lynk supports per-unit prices: pass unit_amount (tiers and custom_unit_amount are not supported).",
            param=named("unit_amount"),
            code="parameter_missing",
        )
    if new.lookup_key is not None:
        await _claim_lookup_key(at, new.lookup_key, transfer=new.transfer_lookup_key)
    recurring = dict(new.recurring) if new.recurring else None
    price = Price(
        id=new_id("price", 24),
        created=at.now,
        merchant_id=at.scope.merchant_id,
        livemode=at.scope.livemode,
        metadata_=(new.metadata or MetadataUpdate()).apply({}),
        product_id=product.id,
        active=new.active,
        currency=code,
        unit_amount=new.unit_amount,
        type="recurring" if recurring else "one_time",
        recurring=recurring,
        recurring_interval=recurring["interval"] if recurring else None,
        lookup_key=new.lookup_key,
        nickname=new.nickname,
        tax_behavior=new.tax_behavior or "unspecified",
    )
    await repository.add(at.session, price)
    await events.record(at.session, at.scope, "price.created", price_object(price), now=at.now)
    return price


async def _claim_lookup_key(at: Where, lookup_key: str, *, transfer: bool) -> None:
    """A lookup key names one price: taken, it moves only with `transfer_lookup_key=true`."""
    holder = await repository.price_with_lookup_key(at.session, at.scope, lookup_key)
    if holder is None:
        return
    if not transfer:
        raise LookupKeyTaken(lookup_key, holder.id)
    before = price_object(holder)
    holder.lookup_key = None
    await at.session.flush()
    after = price_object(holder)
    previous = events.previous_attributes(before, after)
    await events.record(at.session, at.scope, "price.updated", after, now=at.now, previous=previous)


async def get_price(at: Where, price_id: str, *, param: str = "id", for_update: bool = False) -> Price:
    price = await repository.get_price(at.session, at.scope, price_id, for_update=for_update)
    if price is None:
        raise PriceNotFound(price_id, param=param)
    return price


async def prices_by_ids(at: Where, price_ids: Sequence[str]) -> dict[str, Price]:
    return {price.id: price for price in await repository.prices_by_ids(at.session, at.scope, price_ids)}


async def update_price(
    at: Where,
    price_id: str,
    changes: Mapping[str, Any],
    metadata: MetadataUpdate | None,
    *,
    transfer_lookup_key: bool = False,
) -> Price:
    price = await get_price(at, price_id, for_update=True)
    before = price_object(price)
    if "lookup_key" in changes and changes["lookup_key"] != price.lookup_key:
        if changes["lookup_key"] is not None:
            await _claim_lookup_key(at, changes["lookup_key"], transfer=transfer_lookup_key)
        price.lookup_key = changes["lookup_key"]
    if changes.get("tax_behavior") is not None and changes["tax_behavior"] != price.tax_behavior:
        if price.tax_behavior != "unspecified":
            raise InvalidRequestError(
                "tax_behavior can only be set once, on a price whose tax_behavior is unspecified.",
                param="tax_behavior",
            )
        price.tax_behavior = changes["tax_behavior"]
    if changes.get("active") is not None:
        price.active = changes["active"]
    if "nickname" in changes:
        price.nickname = changes["nickname"]
    if metadata is not None:
        price.metadata_ = metadata.apply(price.metadata_)
    await at.session.flush()
    after = price_object(price)
    previous = events.previous_attributes(before, after)
    if previous:
        await events.record(at.session, at.scope, "price.updated", after, now=at.now, previous=previous)
    return price


async def list_prices(at: Where, page: PageRequest, where: PriceFilter) -> Page[Price]:
    return await repository.list_prices(at.session, at.scope, page, where)


async def search_products(at: Where, query: str, page: PageRequest) -> Page[Product]:
    return await repository.search_products(at.session, at.scope, query, page)


async def search_prices(at: Where, query: str, page: PageRequest) -> Page[Price]:
    return await repository.search_prices(at.session, at.scope, query, page)
