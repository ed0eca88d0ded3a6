"""Reviews: the open reviews (each with its payment, why it opened and the charge's risk score), and the two
ways to close one: approve it (the radar reviews service, as `POST /v1/reviews/{id}/approve`) or refund the
charge as fraudulent (the payments refund path, as `POST /v1/refunds` with `reason=fraudulent`, which closes
the review as `refunded_as_fraud`). Both answer on the reviews page, or on the payment's page they came from.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from lynk.core.pagination import PageRequest
from lynk.dashboard.payment_pages import NOTICES, review_summary
from lynk.dashboard.timeline import money, words
from lynk.dashboard.web import BASE, Visit, act, form_of, next_page, pages, render, view
from lynk.payments import refunds
from lynk.payments import service as payments
from lynk.radar import reviews

PAGE_SIZE = 25


@pages.get(f"{BASE}/reviews")
async def review_list(request: Request) -> Response:
    after = request.query_params.get("after", "")[:64] or None

    async def show(visit: Visit) -> Response:
        found = await reviews.list_page(
            visit.tx.session, visit.scope, PageRequest(limit=PAGE_SIZE, starting_after=after)
        )
        charges = await payments.charges_by_id(visit.payments(), [review.charge_id for review in found.items])
        rows = []
        for review in found.items:
            charge = charges[review.charge_id]  # a review's charge is the same merchant's (its scope)
            outcome = charge.outcome or {}
            rows.append(
                {
                    **review_summary(review),
                    "amount": money(charge.amount, charge.currency),
                    "reason": words(outcome.get("reason")) or words(review.opened_reason),
                    "score": outcome.get("risk_score", ""),
                    "level": words(outcome.get("risk_level")),
                }
            )
        return render(
            request,
            "reviews.html",
            visit=visit,
            section="reviews",
            rows=rows,
            more=next_page(f"{BASE}/reviews", found),
            can_review=visit.may("reviews.act"),
            notice=NOTICES.get(request.query_params.get("done", "")),
        )

    return await view(request, "payments.read", show)


def _back(request: Request, review_payment: str | None, done: str) -> str:
    """Where the answer goes: the payment's page the form was on, else the reviews page."""
    if form_of(request).get("back") == "payment" and review_payment:
        return f"{BASE}/payments/{review_payment}?done={done}"
    return f"{BASE}/reviews?done={done}"


@pages.post(f"{BASE}/reviews/{{review_id}}/approve")
async def approve(review_id: str, request: Request) -> Response:
    async def run(visit: Visit) -> str:
        review = await reviews.approve(visit.tx.session, visit.scope, review_id, now=visit.tx.now)
        return _back(request, review.payment_intent_id, "approved")

    return await act(request, "reviews.act", "approved_review", run, target=review_id)


@pages.post(f"{BASE}/reviews/{{review_id}}/refund")
async def refund(review_id: str, request: Request) -> Response:
    async def run(visit: Visit) -> str:
        review = await reviews.get(visit.tx.session, visit.scope, review_id)
        await refunds.create(
            visit.payments(),
            charge_id=review.charge_id,
            payment_intent_id=None,
            amount=None,
            reason="fraudulent",
            metadata=None,
        )
        return _back(request, review.payment_intent_id, "refunded_review")

    return await act(request, "reviews.act", "refunded_review", run, target=review_id)
