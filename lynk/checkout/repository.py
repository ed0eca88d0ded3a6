"""All queries on checkout_sessions and checkout_line_items, scoped to a merchant and mode."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import CheckoutLineItem, CheckoutSession, CheckoutSessionStatus, PaymentIntent, PaymentIntentStatus


async def add(session: AsyncSession, *rows: CheckoutSession | CheckoutLineItem) -> None:
    session.add_all(rows)
    await session.flush()


async def get(
    session: AsyncSession, scope: Scope, session_id: str, *, for_update: bool = False
) -> CheckoutSession | None:
    stmt = scoped_select(CheckoutSession, scope.merchant_id, scope.livemode)
    found: CheckoutSession | None = await scoped_get(session, stmt, CheckoutSession, session_id, for_update=for_update)
    return found


async def get_by_id(session: AsyncSession, session_id: str, *, for_update: bool = False) -> CheckoutSession | None:
    """Unscoped: only for Lynk's own pages, where the session's URL is the shopper's proof of access."""
    found: CheckoutSession | None = await scoped_get(
        session, select(CheckoutSession), CheckoutSession, session_id, for_update=for_update
    )
    return found


async def list_page(
    session: AsyncSession,
    scope: Scope,
    page: PageRequest,
    *,
    payment_intent_id: str | None,
    customer_id: str | None,
    status: str | None,
) -> Page[CheckoutSession]:
    stmt = scoped_select(CheckoutSession, scope.merchant_id, scope.livemode)
    if payment_intent_id is not None:
        stmt = stmt.where(CheckoutSession.payment_intent_id == payment_intent_id)
    if customer_id is not None:
        stmt = stmt.where(CheckoutSession.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(CheckoutSession.status == status)
    return await paginate(session, stmt, CheckoutSession, page, object_name="checkout.session")


async def line_items(session: AsyncSession, session_id: str) -> list[CheckoutLineItem]:
    stmt = select(CheckoutLineItem).where(CheckoutLineItem.session_id == session_id).order_by(CheckoutLineItem.position)
    return list((await session.scalars(stmt)).all())


async def due_to_expire(session: AsyncSession, now: int, *, limit: int) -> list[CheckoutSession]:
    """Open sessions whose `expires_at` has passed, across all merchants (for the expiry task), locked."""
    stmt = (
        select(CheckoutSession)
        .where(CheckoutSession.status == CheckoutSessionStatus.OPEN, CheckoutSession.expires_at <= now)
        .order_by(CheckoutSession.pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())


async def open_but_paid(session: AsyncSession, *, limit: int) -> list[CheckoutSession]:
    """Open sessions whose PaymentIntent is paid (or authorized), across all merchants, locked: paid through the
    API or the payment element, whose browser never came back through Lynk to complete them."""
    paid = (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.REQUIRES_CAPTURE)
    stmt = (
        select(CheckoutSession)
        .join(PaymentIntent, PaymentIntent.id == CheckoutSession.payment_intent_id)
        .where(CheckoutSession.status == CheckoutSessionStatus.OPEN, PaymentIntent.status.in_(paid))
        .order_by(CheckoutSession.pk)
        .limit(limit)
        .with_for_update(of=CheckoutSession, skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())
