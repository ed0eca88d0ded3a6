"""All queries on products and prices; every one is scoped to a merchant and mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core import search
from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import Price, Product


@dataclass(frozen=True)
class ProductFilter:
    active: bool | None = None
    ids: Sequence[str] | None = None
    shippable: bool | None = None
    url: str | None = None


@dataclass(frozen=True)
class PriceFilter:
    active: bool | None = None
    currency: str | None = None
    product: str | None = None
    type: str | None = None
    lookup_keys: Sequence[str] | None = None
    interval: str | None = None


def _products(scope: Scope) -> Select[Any]:
    return scoped_select(Product, scope.merchant_id, scope.livemode).where(Product.deleted_at.is_(None))


def _prices(scope: Scope) -> Select[Any]:
    return scoped_select(Price, scope.merchant_id, scope.livemode)


async def add(session: AsyncSession, *rows: Product | Price) -> None:
    session.add_all(rows)
    await session.flush()


async def get_product(
    session: AsyncSession, scope: Scope, product_id: str, *, for_update: bool = False, deleted: bool = False
) -> Product | None:
    stmt = scoped_select(Product, scope.merchant_id, scope.livemode) if deleted else _products(scope)
    found: Product | None = await scoped_get(session, stmt, Product, product_id, for_update=for_update)
    return found


async def get_price(session: AsyncSession, scope: Scope, price_id: str, *, for_update: bool = False) -> Price | None:
    found: Price | None = await scoped_get(session, _prices(scope), Price, price_id, for_update=for_update)
    return found


async def prices_by_ids(session: AsyncSession, scope: Scope, price_ids: Sequence[str]) -> list[Price]:
    return list((await session.scalars(_prices(scope).where(Price.id.in_(list(price_ids))))).all())


async def price_with_lookup_key(session: AsyncSession, scope: Scope, lookup_key: str) -> Price | None:
    stmt = _prices(scope).where(Price.lookup_key == lookup_key).with_for_update()
    found: Price | None = (await session.scalars(stmt)).first()
    return found


async def count_prices(session: AsyncSession, scope: Scope, product_id: str) -> int:
    stmt = select(func.count()).select_from(_prices(scope).where(Price.product_id == product_id).subquery())
    return int((await session.execute(stmt)).scalar_one())


async def list_products(session: AsyncSession, scope: Scope, page: PageRequest, where: ProductFilter) -> Page[Product]:
    stmt = _products(scope)
    if where.active is not None:
        stmt = stmt.where(Product.active == where.active)
    if where.ids is not None:
        stmt = stmt.where(Product.id.in_(list(where.ids)))
    if where.shippable is not None:
        stmt = stmt.where(Product.shippable == where.shippable)
    if where.url is not None:
        stmt = stmt.where(Product.url == where.url)
    return await paginate(session, stmt, Product, page, object_name="product")


async def list_prices(session: AsyncSession, scope: Scope, page: PageRequest, where: PriceFilter) -> Page[Price]:
    stmt = _prices(scope)
    if where.active is not None:
        stmt = stmt.where(Price.active == where.active)
    if where.currency is not None:
        stmt = stmt.where(Price.currency == where.currency)
    if where.product is not None:
        stmt = stmt.where(Price.product_id == where.product)
    if where.type is not None:
        stmt = stmt.where(Price.type == where.type)
    if where.lookup_keys is not None:
        stmt = stmt.where(Price.lookup_key.in_(list(where.lookup_keys)))
    if where.interval is not None:
        stmt = stmt.where(Price.recurring_interval == where.interval)
    return await paginate(session, stmt, Price, page, object_name="price")


PRODUCT_SEARCH_FIELDS = {
    "active": search.Field(Product.active, search.Kind.BOOLEAN),
    "created": search.Field(Product.created, search.Kind.NUMBER),
    "description": search.Field(Product.description, search.Kind.STRING),
    "name": search.Field(Product.name, search.Kind.STRING),
    "shippable": search.Field(Product.shippable, search.Kind.BOOLEAN),
    "url": search.Field(Product.url, search.Kind.STRING),
}
PRICE_SEARCH_FIELDS = {
    "active": search.Field(Price.active, search.Kind.BOOLEAN),
    "created": search.Field(Price.created, search.Kind.NUMBER),
    "currency": search.Field(Price.currency, search.Kind.EXACT, lowercase=True),
    "lookup_key": search.Field(Price.lookup_key, search.Kind.STRING),
    "product": search.Field(Price.product_id, search.Kind.EXACT),
    "type": search.Field(Price.type, search.Kind.EXACT),
}


async def search_products(session: AsyncSession, scope: Scope, query: str, page: PageRequest) -> Page[Product]:
    stmt = _products(scope).where(search.condition(query, PRODUCT_SEARCH_FIELDS, Product.metadata_))
    return await paginate(session, stmt, Product, page, object_name="product")


async def search_prices(session: AsyncSession, scope: Scope, query: str, page: PageRequest) -> Page[Price]:
    stmt = _prices(scope).where(search.condition(query, PRICE_SEARCH_FIELDS, Price.metadata_))
    return await paginate(session, stmt, Price, page, object_name="price")
