"""All queries on early_fraud_warnings, scoped to a merchant and mode."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import EarlyFraudWarning


async def add(session: AsyncSession, warning: EarlyFraudWarning) -> None:
    session.add(warning)
    await session.flush()


async def get(session: AsyncSession, scope: Scope, warning_id: str) -> EarlyFraudWarning | None:
    stmt = scoped_select(EarlyFraudWarning, scope.merchant_id, scope.livemode)
    found: EarlyFraudWarning | None = await scoped_get(session, stmt, EarlyFraudWarning, warning_id)
    return found


async def list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, charge_id: str | None, payment_intent_id: str | None
) -> Page[EarlyFraudWarning]:
    stmt = scoped_select(EarlyFraudWarning, scope.merchant_id, scope.livemode)
    if charge_id is not None:
        stmt = stmt.where(EarlyFraudWarning.charge_id == charge_id)
    if payment_intent_id is not None:
        stmt = stmt.where(EarlyFraudWarning.payment_intent_id == payment_intent_id)
    return await paginate(session, stmt, EarlyFraudWarning, page, object_name="radar.early_fraud_warning")
