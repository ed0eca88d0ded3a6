"""A payment's timeline, oldest first: its creation, charges (with their risk outcome), the processor calls
made for it, refunds, what the ledger booked for each, a cancellation, its review, and, for the roles that
see events and webhooks, the events about it and their webhook deliveries. Also the money and time
formats every dashboard page uses.

Each source is read through its domain's service: payments (charges, refunds, processor calls), ledger,
radar (reviews, the score's explanation), events (by the events' payment index) and webhooks (attempts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from lynk.core.money import currency as currency_of
from lynk.core.pagination import PageRequest
from lynk.dashboard.web import BASE, Visit
from lynk.events import service as events
from lynk.ledger import service as ledger
from lynk.models import Charge, PaymentIntent, Review
from lynk.payments import refunds
from lynk.payments import service as payments
from lynk.radar import reviews
from lynk.radar import service as radar
from lynk.webhooks import service as webhooks


def money(amount: int, code: str) -> str:
    return f"{currency_of(code).format(amount)} {code.upper()}"


def when(stamp: int | None) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC") if stamp else ""


def words(code: str | None) -> str:
    return (code or "").replace("_", " ")


Item = tuple[int, str, str | None]  # when, what, a link


@dataclass
class Timeline:
    """What the payment's page shows besides its details."""

    items: list[dict[str, Any]]
    charges: list[Charge]
    refundable: int  # what is left to refund on the latest charge
    risk: dict[str, Any] | None = None  # the latest charge's outcome and the signals that raised its score
    reviews: list[Review] = field(default_factory=list)


def left_to_refund(latest: Charge | None) -> int:
    """What is left to refund on the payment's latest charge (0 unless it succeeded)."""
    return latest.amount_captured - latest.amount_refunded if latest and latest.status == "succeeded" else 0


async def refundable(visit: Visit, pi: PaymentIntent) -> int:
    """`left_to_refund` of the payment's latest charge, without reading its whole timeline."""
    if pi.latest_charge_id is None:
        return 0
    return left_to_refund(await payments.get_charge(visit.payments(), pi.latest_charge_id))


async def _booked(visit: Visit, source: str) -> list[Item]:
    """The ledger's balance transactions for a charge or refund: amount, fee and net as booked."""
    found = await ledger.list_balance_transactions(visit.tx.session, visit.scope, PageRequest(limit=10), source=source)
    booked: list[Item] = []
    for t in found.items:
        amounts = f"{money(t.amount, t.currency)}, fee {money(t.fee, t.currency)}, net {money(t.net, t.currency)}"
        booked.append((t.created, f"Booked {t.id}: {amounts}", None))
    return booked


def _charge_text(charge: Charge) -> str:
    outcome = charge.outcome or {}
    risk = ", ".join(str(v) for v in (outcome.get("risk_level"), outcome.get("reason")) if v)
    text = f"Charge {charge.id} {charge.status}" + (f": {charge.failure_message}" if charge.failure_message else "")
    card = (charge.payment_method_details or {}).get("card") or {}
    secure = card.get("three_d_secure") or {}
    if secure.get("result"):  # the shopper's challenge, when one was asked
        text += f", 3-D Secure {words(secure['result'])}"
    return text + (f" (risk: {risk})" if risk else "")


async def _risk(visit: Visit, charge: Charge | None) -> dict[str, Any] | None:
    if charge is None or not charge.outcome:
        return None
    outcome = charge.outcome
    explanation = await radar.explanation(visit.tx.session, visit.scope, charge.id)
    return {
        "charge": charge.id,
        "type": words(outcome.get("type")),
        "level": words(outcome.get("risk_level")),
        "score": outcome.get("risk_score"),
        "reason": words(outcome.get("reason")),
        "rule": outcome.get("rule") or "",
        "message": outcome.get("seller_message") or "",
        "signals": [
            {"signal": words(s.get("signal")), "points": s.get("points"), "description": s.get("description") or ""}
            for s in explanation
        ],
    }


TIMELINE_EVENTS = 100  # the payment's newest events on its page; the event browser pages through all of them


async def _events_and_deliveries(visit: Visit, pi: PaymentIntent) -> list[Item]:
    page = await events.about_payment(visit.tx.session, visit.scope, pi.id, PageRequest(limit=TIMELINE_EVENTS))
    found = list(reversed(page.items))  # oldest first, so events of the same second keep their order
    items: list[Item] = []
    if page.has_more:
        older = f"{BASE}/developers/events?{urlencode({'payment': pi.id, 'after': found[0].id})}"
        items.append((found[0].created, "Older events of this payment (in the event browser)", older))
    items.extend((e.created, f"Event {e.type} ({e.id})", f"{BASE}/developers/events/{e.id}") for e in found)
    attempts = await webhooks.attempts_of_events(visit.tx.session, visit.scope, [e.id for e in found])
    for a in attempts:
        answer = f"HTTP {a.status_code}" if a.status_code is not None else words(a.error) or "no answer"
        verdict = "delivered" if a.succeeded else "failed"
        items.append((a.started_at_ms // 1000, f"Webhook {a.event_id} to {a.url}: {verdict} ({answer})", None))
    return items


async def build(visit: Visit, pi: PaymentIntent) -> Timeline:
    ctx = visit.payments()
    charges = list(
        (await payments.list_charges(ctx, PageRequest(limit=100), payment_intent_id=pi.id, customer_id=None)).items
    )
    found = await refunds.list_page(ctx, PageRequest(limit=100), charge_id=None, payment_intent_id=pi.id)
    items: list[Item] = [(pi.created, f"Payment created for {money(pi.amount, pi.currency)}", None)]
    for call in await payments.processor_calls(ctx, pi.id):
        text = f"Processor {words(call.operation)} of {money(call.amount, pi.currency)}: {words(call.status)}"
        items.append((call.created, text, None))
    for charge in charges:
        items.append((charge.created, _charge_text(charge), None))
        items.extend(await _booked(visit, charge.id))
    for refund in found.items:
        text = f"Refund {refund.id} of {money(refund.amount, refund.currency)}: {refund.status}"
        items.append((refund.created, text, None))
        items.extend(await _booked(visit, refund.id))
    if pi.canceled_at:
        items.append((pi.canceled_at, f"Canceled ({pi.cancellation_reason or 'no reason given'})", None))
    in_review = await reviews.of_charges(visit.tx.session, visit.scope, [c.id for c in charges])
    for review in in_review:
        items.append((review.created, f"Review {review.id} opened ({words(review.opened_reason)})", None))
    if visit.may("webhooks.read"):
        items.extend(await _events_and_deliveries(visit, pi))
    latest = next((c for c in charges if c.id == pi.latest_charge_id), None)
    refundable = left_to_refund(latest)
    # Sorted by time; within a second, in the order found (a charge before its booking, before its refunds).
    shown = [{"when": when(s), "text": t, "href": h} for s, t, h in sorted(items, key=lambda item: item[0])]
    return Timeline(shown, charges, refundable, await _risk(visit, latest), in_review)
