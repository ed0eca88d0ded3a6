"""Payments: the list (filters, paged by cursor), a payment's page (its timeline and the actions its state
allows), and those actions (capture, cancel, refund after a confirmation), all through the payments service,
so the ledger, events and webhooks follow as they do through the API.

The list shows charges (each attempt to pay, where card, status and amounts live), newest first, 25 a page;
`after` is the last charge shown. Filters become a search in Stripe's query language over charges.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from lynk.core.money import currency as currency_of
from lynk.core.pagination import PageRequest
from lynk.customers import service as customers
from lynk.dashboard import timeline
from lynk.dashboard.timeline import money, when, words
from lynk.dashboard.web import BASE, Visit, act, form_of, next_page, pages, render, view
from lynk.models import Charge, PaymentIntent, PaymentIntentStatus, Review
from lynk.payments import refunds
from lynk.payments import service as payments
from lynk.payments.context import PaymentContext

PAGE_SIZE = 25
STATUSES = ("succeeded", "pending", "failed")
METHOD_TYPES = ("card", "link", "us_bank_account")
CANCELABLE = {
    PaymentIntentStatus.REQUIRES_PAYMENT_METHOD,
    PaymentIntentStatus.REQUIRES_CONFIRMATION,
    PaymentIntentStatus.REQUIRES_ACTION,
    PaymentIntentStatus.REQUIRES_CAPTURE,
}
NOTICES = {
    "refunded": "The refund is made.",
    "captured": "The payment is captured.",
    "canceled": "The payment is canceled.",
    "approved": "The review is approved.",
    "refunded_review": "The payment is refunded as fraudulent.",
}


def _day(text: str) -> int | None:
    try:
        return int(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC).timestamp())
    except ValueError:
        return None


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "").replace('"', "") + '"'


def review_summary(review: Review) -> dict[str, object]:
    """A review as the payment's page and the reviews page show it."""
    return {
        "id": review.id,
        "open": review.open,
        "opened": when(review.created),
        "opened_reason": words(review.opened_reason),
        "closed_reason": words(review.closed_reason),
        "charge": review.charge_id,
        "payment": review.payment_intent_id or "",
    }


def charge_state(charge: Charge) -> str:
    """What the list calls a charge: refunded, partially refunded, uncaptured, or its status."""
    if charge.status == "succeeded" and not charge.captured:
        return "uncaptured"
    if charge.amount_refunded and charge.amount_refunded >= charge.amount_captured:
        return "refunded"
    if charge.amount_refunded:
        return "partially refunded"
    return str(charge.status)


def _card(charge: Charge) -> str:
    details = charge.payment_method_details or {}
    kind = details.get("type") or ""
    card = details.get(kind) or {}
    last4 = card.get("last4")
    label = str(card.get("brand") or card.get("bank_name") or kind).title()
    return f"{label} •••• {last4}" if last4 else label


async def _filters(visit: Visit, given: dict[str, str]) -> tuple[list[str], list[str]]:
    """(search clauses, problems) from the filter form; every value is checked before it reaches the query."""
    clauses, problems = [], []
    if given.get("status") in STATUSES:
        clauses.append(f"status:{_quoted(given['status'])}")
    if given.get("type") in METHOD_TYPES:
        clauses.append(f"payment_method_details.type:{_quoted(given['type'])}")
    usd = currency_of("usd")  # amounts are typed in major units of a two-decimal currency
    for name, operator in (("amount_min", ">="), ("amount_max", "<=")):
        if given.get(name):
            amount = usd.parse(given[name])
            if amount is None:
                problems.append(f"“{given[name]}” is not an amount.")
            else:
                clauses.append(f"amount{operator}{amount}")
    for name, operator, shift in (("from", ">=", 0), ("to", "<", 86400)):
        if given.get(name):
            day = _day(given[name])
            if day is None:
                problems.append(f"“{given[name]}” is not a date (YYYY-MM-DD).")
            else:
                clauses.append(f"created{operator}{day + shift}")
    last4 = given.get("last4", "")
    if last4:
        if len(last4) == 4 and last4.isdigit():
            clauses.append(f"payment_method_details.card.last4:{_quoted(last4)}")
        else:
            problems.append("Card last 4 is four digits.")
    customer = given.get("customer", "")
    if customer:
        clauses.append(f"customer:{_quoted(customer[:64])}")
    email = given.get("email", "").strip()
    if email:  # the payments of the newest customer with that email
        found = await customers.list_page(visit.tx.session, visit.scope, PageRequest(limit=1), email=email[:320])
        clauses.append(f"customer:{_quoted(found.items[0].id if found.items else 'cus_none')}")
    return clauses, problems


async def _search(visit: Visit, text: str) -> tuple[str | None, dict[str, str]]:
    """The search box: a payment's or charge's id opens its page; a customer id, an email or four digits
    filter the list by customer, email or card last 4. (where to go, or filters to add)"""
    if text.startswith("pi_"):
        return f"{BASE}/payments/{text}", {}
    if text.startswith("ch_"):
        charge = await payments.get_charge(visit.payments(), text)
        return f"{BASE}/payments/{charge.payment_intent_id}", {}
    if text.startswith("cus_"):
        return None, {"customer": text}
    if "@" in text:
        return None, {"email": text}
    if len(text) == 4 and text.isdigit():
        return None, {"last4": text}
    return None, {}


FILTER_NAMES = ("status", "type", "amount_min", "amount_max", "from", "to", "customer", "email", "last4")


@pages.get(f"{BASE}/payments")
async def payment_list(request: Request) -> Response:
    given = {name: request.query_params.get(name, "").strip()[:100] for name in FILTER_NAMES}
    after = request.query_params.get("after", "")[:64] or None

    async def show(visit: Visit) -> Response:
        text = request.query_params.get("q", "").strip()[:100]
        found_filters: dict[str, str] = {}
        if text:
            target, found_filters = await _search(visit, text)
            if target is not None:
                return RedirectResponse(target, status_code=303)
            given.update(found_filters)
        clauses, problems = await _filters(visit, given)
        if text and not found_filters:
            problems.append("Search by a payment, charge or customer id, an email, or a card's last 4 digits.")
        ctx = visit.payments()
        wanted = PageRequest(limit=PAGE_SIZE, starting_after=after)
        if clauses:
            found = await payments.search_charges(ctx, " AND ".join(clauses), wanted)
        else:
            found = await payments.list_charges(ctx, wanted, payment_intent_id=None, customer_id=None)
        rows = [
            {
                "id": c.id,
                "payment_intent": c.payment_intent_id,
                "amount": money(c.amount, c.currency),
                "state": charge_state(c),
                "customer": c.customer_id or "",
                "method": _card(c),
                "created": when(c.created),
            }
            for c in found.items
        ]
        more = next_page(f"{BASE}/payments", found, **given)
        return render(
            request,
            "payments.html",
            visit=visit,
            section="payments",
            rows=rows,
            given=given,
            statuses=STATUSES,
            method_types=METHOD_TYPES,
            problems=problems,
            more=more,
        )

    return await view(request, "payments.read", show)


@pages.get(f"{BASE}/payments/{{payment_id}}")
async def payment_page(payment_id: str, request: Request) -> Response:
    async def show(visit: Visit) -> Response:
        pi = await payments.get(visit.payments(), payment_id)
        shown = await timeline.build(visit, pi)
        latest = next((c for c in shown.charges if c.id == pi.latest_charge_id), None)
        refundable = shown.refundable
        return render(
            request,
            "payment.html",
            visit=visit,
            section="payments",
            notice=NOTICES.get(request.query_params.get("done", "")),
            pi=pi,
            amount=money(pi.amount, pi.currency),
            method=_card(latest) if latest else "",
            created=when(pi.created),
            timeline=shown.items,
            risk=shown.risk,
            reviews=[review_summary(r) for r in shown.reviews],
            can_review=visit.may("reviews.act"),
            can_act=visit.may("payments.act"),
            can_capture=pi.status == PaymentIntentStatus.REQUIRES_CAPTURE,
            can_cancel=pi.status in CANCELABLE,
            refundable=currency_of(pi.currency).format(refundable) if refundable > 0 else None,
            currency=pi.currency.upper(),
        )

    return await view(request, "payments.read", show)


@pages.get(f"{BASE}/payments/{{payment_id}}/refund")
async def refund_confirmation(payment_id: str, request: Request) -> Response:
    """Step one of a refund: the amount typed on the payment's page, to confirm."""
    typed = request.query_params.get("amount", "")[:20]

    async def show(visit: Visit) -> Response:
        visit.require("payments.act")
        pi = await payments.get(visit.payments(), payment_id)
        amount = currency_of(pi.currency).parse(typed) if typed else None
        refundable = await timeline.refundable(visit, pi)
        error = None
        if amount is None or not 0 < amount <= refundable:
            error = f"Enter an amount between 0 and {money(refundable, pi.currency)}."
        return render(
            request,
            "refund.html",
            status=400 if error else 200,
            visit=visit,
            section="payments",
            pi=pi,
            error=error,
            amount=amount or 0,
            shown=money(amount or 0, pi.currency),
        )

    return await view(request, "payments.read", show)


@pages.post(f"{BASE}/payments/{{payment_id}}/refund")
async def refund(payment_id: str, request: Request) -> Response:
    form = form_of(request)
    amount = int(form["amount"]) if form.get("amount", "").isdigit() else None
    reason = form.get("reason") if form.get("reason") in ("duplicate", "fraudulent", "requested_by_customer") else None

    async def run(visit: Visit) -> str:
        await refunds.create(
            visit.payments(), charge_id=None, payment_intent_id=payment_id, amount=amount, reason=reason, metadata=None
        )
        return f"{BASE}/payments/{payment_id}?done=refunded"

    return await act(request, "payments.act", "refunded_payment", run, target=payment_id)


Operate = Callable[[PaymentContext, PaymentIntent], Awaitable[PaymentIntent]]


async def _on_intent(request: Request, payment_id: str, name: str, done: str, operate: Operate) -> Response:
    async def run(visit: Visit) -> str:
        ctx = visit.payments()
        await operate(ctx, await payments.get(ctx, payment_id, for_update=True))
        return f"{BASE}/payments/{payment_id}?done={done}"

    return await act(request, "payments.act", name, run, target=payment_id)


@pages.post(f"{BASE}/payments/{{payment_id}}/capture")
async def capture(payment_id: str, request: Request) -> Response:
    return await _on_intent(
        request, payment_id, "captured_payment", "captured", lambda ctx, pi: payments.capture(ctx, pi, None)
    )


@pages.post(f"{BASE}/payments/{{payment_id}}/cancel")
async def cancel(payment_id: str, request: Request) -> Response:
    return await _on_intent(
        request,
        payment_id,
        "canceled_payment",
        "canceled",
        lambda ctx, pi: payments.cancel(ctx, pi, "requested_by_customer"),
    )


@pages.get(BASE)
async def home(request: Request) -> Response:
    return RedirectResponse(f"{BASE}/home", status_code=303)
