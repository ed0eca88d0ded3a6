"""Reviews: a payment a review rule matched succeeds and waits here for the merchant's word.

Opened with the charge (`review.opened`); closed by `POST /v1/reviews/{id}/approve`, by a refund
(`refunded`, or `refunded_as_fraud`) or by a dispute (`disputed`), each with `review.closed`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.errors import InvalidRequestError
from lynk.core.ids import new_id
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import Review
from lynk.radar import repository
from lynk.radar.assessment import Decision
from lynk.radar.errors import ReviewNotFound
from lynk.radar.objects import review_object


async def open_review(
    session: AsyncSession, scope: Scope, charge_id: str, payment_intent_id: str | None, decision: Decision, *, now: int
) -> Review:
    review = Review(
        id=new_id("prv"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_={},
        charge_id=charge_id,
        payment_intent_id=payment_intent_id,
        open=True,
        reason="rule",
        opened_reason="rule",
        closed_reason=None,
        ip_address=decision.attributes.get("ip_address"),
    )
    await repository.add(session, review)
    await events.record(session, scope, "review.opened", review_object(review), now=now)
    return review


async def get(session: AsyncSession, scope: Scope, review_id: str) -> Review:
    found = await repository.get_review(session, scope, review_id)
    if found is None:
        raise ReviewNotFound(review_id)
    return found


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest) -> Page[Review]:
    return await repository.review_page(session, scope, page)


async def _close(session: AsyncSession, scope: Scope, review: Review, reason: str, *, now: int) -> None:
    review.open, review.reason, review.closed_reason = False, reason, reason
    await session.flush()
    await events.record(session, scope, "review.closed", review_object(review), now=now)


async def approve(session: AsyncSession, scope: Scope, review_id: str, *, now: int) -> Review:
    review = await repository.get_review(session, scope, review_id, for_update=True)
    if review is None:
        raise ReviewNotFound(review_id)
    if not review.open:
        raise InvalidRequestError(
            f"This review ({review_id}) is already closed ({review.closed_reason}).", code="review_already_closed"
        )
    await _close(session, scope, review, "approved", now=now)
    return review


async def close_for_charge(session: AsyncSession, scope: Scope, charge_id: str, reason: str, *, now: int) -> None:
    """A refund or a dispute of the charge closes its open review, if it has one."""
    review = await repository.open_review_of(session, scope, charge_id)
    if review is not None:
        await _close(session, scope, review, reason, now=now)


async def of_charges(session: AsyncSession, scope: Scope, charge_ids: list[str]) -> list[Review]:
    """A payment's reviews (those of its charges), open or closed, newest first: for the dashboard's payment page."""
    return await repository.reviews_of_charges(session, scope, charge_ids)
