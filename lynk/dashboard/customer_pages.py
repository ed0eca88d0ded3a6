"""Customers: the list (by email), and a customer's page with its saved payment methods and its payments."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from lynk.core.pagination import PageRequest
from lynk.customers import service as customers
from lynk.dashboard.timeline import money, when
from lynk.dashboard.web import BASE, Visit, next_page, pages, render, view
from lynk.models import PaymentMethod
from lynk.payment_methods import service as payment_methods
from lynk.payments import service as payments

PAGE_SIZE = 25


def _method(pm: PaymentMethod) -> str:
    """A saved method as people recognise it; last 4 digits only."""
    details = pm.card or pm.us_bank_account or {}
    name = details.get("brand") or details.get("bank_name") or pm.type
    expiry = f" (expires {details['exp_month']:02d}/{details['exp_year'] % 100:02d})" if "exp_month" in details else ""
    last4 = details.get("last4")
    return f"{str(name).title()} •••• {last4}{expiry}" if last4 else str(name).title()


@pages.get(f"{BASE}/customers")
async def customer_list(request: Request) -> Response:
    email = request.query_params.get("email", "").strip()[:320]
    after = request.query_params.get("after", "")[:64] or None

    async def show(visit: Visit) -> Response:
        wanted = PageRequest(limit=PAGE_SIZE, starting_after=after)
        found = await customers.list_page(visit.tx.session, visit.scope, wanted, email=email or None)
        rows = [
            {"id": c.id, "email": c.email or "", "name": c.name or "", "created": when(c.created)} for c in found.items
        ]
        more = next_page(f"{BASE}/customers", found, email=email)
        return render(request, "customers.html", visit=visit, section="customers", rows=rows, email=email, more=more)

    return await view(request, "payments.read", show)


@pages.get(f"{BASE}/customers/{{customer_id}}")
async def customer_page(customer_id: str, request: Request) -> Response:
    async def show(visit: Visit) -> Response:
        session, scope = visit.tx.session, visit.scope
        customer = await customers.get(session, scope, customer_id)
        methods = await payment_methods.list_page(
            session, scope, PageRequest(limit=100), customer_id=customer.id, type_=None
        )
        paid = await payments.list_intents(visit.payments(), PageRequest(limit=PAGE_SIZE), customer_id=customer.id)
        return render(
            request,
            "customer.html",
            visit=visit,
            section="customers",
            customer=customer,
            created=when(customer.created),
            methods=[{"id": m.id, "label": _method(m)} for m in methods.items],
            payments=[
                {"id": p.id, "amount": money(p.amount, p.currency), "status": p.status, "created": when(p.created)}
                for p in paid.items
            ],
        )

    return await view(request, "payments.read", show)
