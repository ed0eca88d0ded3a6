"""All queries on customers; every one is scoped to a merchant and mode."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core import search
from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import Customer


def _live(scope: Scope) -> Select[Any]:
    return scoped_select(Customer, scope.merchant_id, scope.livemode).where(Customer.deleted_at.is_(None))


async def add(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()


async def get(session: AsyncSession, scope: Scope, customer_id: str, *, for_update: bool = False) -> Customer | None:
    customer: Customer | None = await scoped_get(session, _live(scope), Customer, customer_id, for_update=for_update)
    return customer


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest, *, email: str | None) -> Page[Customer]:
    stmt = _live(scope)
    if email is not None:
        stmt = stmt.where(Customer.email == email)
    return await paginate(session, stmt, Customer, page, object_name="customer")


async def ids_on_test_clock(session: AsyncSession, scope: Scope, clock_id: str) -> list[str]:
    stmt = _live(scope).where(Customer.test_clock_id == clock_id).with_only_columns(Customer.id)
    return list((await session.scalars(stmt)).all())


SEARCH_FIELDS = {
    "created": search.Field(Customer.created, search.Kind.NUMBER),
    "email": search.Field(Customer.email, search.Kind.STRING),
    "name": search.Field(Customer.name, search.Kind.STRING),
    "phone": search.Field(Customer.phone, search.Kind.STRING),
}


async def search_page(session: AsyncSession, scope: Scope, query: str, page: PageRequest) -> Page[Customer]:
    stmt = _live(scope).where(search.condition(query, SEARCH_FIELDS, Customer.metadata_))
    return await paginate(session, stmt, Customer, page, object_name="customer")
