"""All queries on customers; every one is scoped to a merchant and mode."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_select
from lynk.core.scope import Scope
from lynk.models import Customer


def _live(scope: Scope) -> Select[Any]:
    return scoped_select(Customer, scope.merchant_id, scope.livemode).where(Customer.deleted_at.is_(None))


async def add(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()


async def get(session: AsyncSession, scope: Scope, customer_id: str, *, for_update: bool = False) -> Customer | None:
    stmt = _live(scope).where(Customer.id == customer_id)
    if for_update:
        stmt = stmt.with_for_update()
    customer: Customer | None = (await session.scalars(stmt)).first()
    return customer


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest, *, email: str | None) -> Page[Customer]:
    stmt = _live(scope)
    if email is not None:
        stmt = stmt.where(Customer.email == email)
    return await paginate(session, stmt, Customer, page, object_name="customer")
