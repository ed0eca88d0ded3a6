"""All queries on payment_methods; every one is scoped to a merchant and mode."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_select
from lynk.core.scope import Scope
from lynk.models import PaymentMethod


async def add(session: AsyncSession, payment_method: PaymentMethod) -> None:
    session.add(payment_method)
    await session.flush()


async def get(
    session: AsyncSession, scope: Scope, payment_method_id: str, *, for_update: bool = False
) -> PaymentMethod | None:
    stmt = scoped_select(PaymentMethod, scope.merchant_id, scope.livemode).where(PaymentMethod.id == payment_method_id)
    if for_update:
        stmt = stmt.with_for_update()
    found: PaymentMethod | None = (await session.scalars(stmt)).first()
    return found


async def list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, customer_id: str | None, type_: str | None
) -> Page[PaymentMethod]:
    stmt = scoped_select(PaymentMethod, scope.merchant_id, scope.livemode)
    if customer_id is not None:
        stmt = stmt.where(PaymentMethod.customer_id == customer_id)
    if type_ is not None:
        stmt = stmt.where(PaymentMethod.type == type_)
    return await paginate(session, stmt, PaymentMethod, page, object_name="PaymentMethod")
