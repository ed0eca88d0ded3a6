"""All queries on setup_intents, setup_attempts and mandates, scoped to a merchant and mode."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import Mandate, MandateStatus, SetupAttempt, SetupIntent


async def add(session: AsyncSession, *rows: SetupIntent | SetupAttempt | Mandate) -> None:
    session.add_all(rows)
    await session.flush()


async def get_intent(
    session: AsyncSession, scope: Scope, setup_intent_id: str, *, for_update: bool = False
) -> SetupIntent | None:
    stmt = scoped_select(SetupIntent, scope.merchant_id, scope.livemode)
    found: SetupIntent | None = await scoped_get(session, stmt, SetupIntent, setup_intent_id, for_update=for_update)
    return found


async def get_intent_by_id(
    session: AsyncSession, setup_intent_id: str, *, for_update: bool = False
) -> SetupIntent | None:
    """Unscoped: only for Lynk's own pages, which prove access with the client secret."""
    found: SetupIntent | None = await scoped_get(
        session, select(SetupIntent), SetupIntent, setup_intent_id, for_update=for_update
    )
    return found


async def list_intents(
    session: AsyncSession, scope: Scope, page: PageRequest, *, customer_id: str | None, payment_method_id: str | None
) -> Page[SetupIntent]:
    stmt = scoped_select(SetupIntent, scope.merchant_id, scope.livemode)
    if customer_id is not None:
        stmt = stmt.where(SetupIntent.customer_id == customer_id)
    if payment_method_id is not None:
        stmt = stmt.where(SetupIntent.payment_method_id == payment_method_id)
    return await paginate(session, stmt, SetupIntent, page, object_name="setup_intent")


async def get_attempt(session: AsyncSession, scope: Scope, attempt_id: str) -> SetupAttempt | None:
    stmt = scoped_select(SetupAttempt, scope.merchant_id, scope.livemode)
    found: SetupAttempt | None = await scoped_get(session, stmt, SetupAttempt, attempt_id)
    return found


async def list_attempts(
    session: AsyncSession, scope: Scope, page: PageRequest, *, setup_intent_id: str
) -> Page[SetupAttempt]:
    stmt = scoped_select(SetupAttempt, scope.merchant_id, scope.livemode).where(
        SetupAttempt.setup_intent_id == setup_intent_id
    )
    return await paginate(session, stmt, SetupAttempt, page, object_name="setup_attempt")


async def get_mandate(session: AsyncSession, scope: Scope, mandate_id: str) -> Mandate | None:
    stmt = scoped_select(Mandate, scope.merchant_id, scope.livemode)
    found: Mandate | None = await scoped_get(session, stmt, Mandate, mandate_id)
    return found


async def active_mandate(session: AsyncSession, scope: Scope, payment_method_id: str) -> Mandate | None:
    """The newest active mandate of a payment method, if it was ever set up for off-session use."""
    stmt = (
        scoped_select(Mandate, scope.merchant_id, scope.livemode)
        .where(Mandate.payment_method_id == payment_method_id, Mandate.status == MandateStatus.ACTIVE)
        .order_by(Mandate.pk.desc())
        .limit(1)
    )
    found: Mandate | None = (await session.scalars(stmt)).first()
    return found
