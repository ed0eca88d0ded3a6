"""All queries on disputes, scoped to a merchant and mode (the jobs' queries span merchants)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import Dispute, DisputeStatus


async def add(session: AsyncSession, dispute: Dispute) -> None:
    session.add(dispute)
    await session.flush()


async def get(session: AsyncSession, scope: Scope, dispute_id: str, *, for_update: bool = False) -> Dispute | None:
    stmt = scoped_select(Dispute, scope.merchant_id, scope.livemode)
    found: Dispute | None = await scoped_get(session, stmt, Dispute, dispute_id, for_update=for_update)
    return found


async def for_charge(session: AsyncSession, scope: Scope, charge_id: str) -> list[Dispute]:
    stmt = scoped_select(Dispute, scope.merchant_id, scope.livemode).where(Dispute.charge_id == charge_id)
    return list((await session.scalars(stmt)).all())


async def list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, charge_id: str | None, payment_intent_id: str | None
) -> Page[Dispute]:
    stmt = scoped_select(Dispute, scope.merchant_id, scope.livemode)
    if charge_id is not None:
        stmt = stmt.where(Dispute.charge_id == charge_id)
    if payment_intent_id is not None:
        stmt = stmt.where(Dispute.payment_intent_id == payment_intent_id)
    return await paginate(session, stmt, Dispute, page, object_name="dispute")


async def past_due(
    session: AsyncSession, now: int, *, limit: int, customer_ids: Sequence[str] | None = None
) -> list[Dispute]:
    """Disputes still awaiting a response after their `due_by`, across merchants, locked."""
    stmt = (
        select(Dispute)
        .where(
            Dispute.status.in_([DisputeStatus.NEEDS_RESPONSE, DisputeStatus.WARNING_NEEDS_RESPONSE]),
            Dispute.due_by < now,
        )
        .order_by(Dispute.due_by, Dispute.pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if customer_ids is not None:
        stmt = stmt.where(Dispute.customer_id.in_(customer_ids))
    return list((await session.scalars(stmt)).all())


async def reviewed(
    session: AsyncSession, now: int, *, limit: int, customer_ids: Sequence[str] | None = None
) -> list[Dispute]:
    """Submitted disputes whose review time has come, across merchants, locked."""
    stmt = (
        select(Dispute)
        .where(
            Dispute.status.in_([DisputeStatus.UNDER_REVIEW, DisputeStatus.WARNING_UNDER_REVIEW]),
            Dispute.resolves_at.is_not(None),
            Dispute.resolves_at <= now,
        )
        .order_by(Dispute.resolves_at, Dispute.pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if customer_ids is not None:
        stmt = stmt.where(Dispute.customer_id.in_(customer_ids))
    return list((await session.scalars(stmt)).all())
