"""All queries on payment_methods; every one is scoped to a merchant and mode."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import PaymentMethod


async def add(session: AsyncSession, payment_method: PaymentMethod) -> None:
    session.add(payment_method)
    await session.flush()


async def get(
    session: AsyncSession, scope: Scope, payment_method_id: str, *, for_update: bool = False
) -> PaymentMethod | None:
    stmt = scoped_select(PaymentMethod, scope.merchant_id, scope.livemode)
    found: PaymentMethod | None = await scoped_get(
        session, stmt, PaymentMethod, payment_method_id, for_update=for_update
    )
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
