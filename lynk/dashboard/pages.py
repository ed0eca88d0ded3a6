"""The dashboard's routes (home, payments, reviews, customers, disputes, balance, developers, users and sign-in, each
in its own module) and the audit log page; `install` mounts them and the static files on the app."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from lynk.dashboard import (
    auth_pages,
    balance_pages,
    customer_pages,
    developer_pages,
    dispute_pages,
    home_pages,
    payment_pages,
    review_pages,
    service,
    user_pages,
)
from lynk.dashboard.timeline import when
from lynk.dashboard.web import BASE, STATIC_DIR, STATIC_PATH, Visit, pages, render, router, view


def install(app: FastAPI) -> None:
    modules = (auth_pages, balance_pages, customer_pages, developer_pages, dispute_pages, home_pages, payment_pages)
    for module in (*modules, review_pages, user_pages):
        assert module.__name__  # its routes are on the shared router
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="dashboard-static")


def _details(details: dict[str, Any] | None) -> str:
    """What an entry without a target says about itself: how a sign-in was proved, which step failed."""
    shown = (f"{key}: {value}".replace("_", " ") for key, value in (details or {}).items())
    return ", ".join(shown)


@pages.get(f"{BASE}/audit")
async def audit_log(request: Request) -> Response:
    before = request.query_params.get("before", "")
    before_pk = int(before) if before.isdigit() else None

    async def show(visit: Visit) -> Response:
        found = await service.audit_page(visit.tx.session, visit.user.merchant_id, before_pk=before_pk)
        entries = [
            {
                "when": when(e.created),
                "email": e.email,
                "action": e.action.replace("_", " "),
                "target": e.target or _details(e.details),
                "mode": "live" if e.livemode else "test",
                "ip": e.ip or "",
            }
            for e in found
        ]
        more = f"{BASE}/audit?before={found[-1].pk}" if len(found) == 50 else None
        return render(
            request,
            "audit.html",
            visit=visit,
            section="audit",
            entries=entries,
            more=more,
        )

    return await view(request, "audit.read", show)
