"""What the dashboard's pages share, on the page layer (lynk.web): the site, the session cookie, and a
visit: the signed-in user, checked against the role table, in the request's one transaction.

The session cookie (`lynk_dashboard`, HttpOnly, SameSite=Strict, path /dashboard, Secure over https, no
lifetime: expiry is the server's) holds the session's secret; the CSRF cookie the token every form repeats.
Every query of a visit is scoped to the user's merchant and the session's mode (the test/live switch).
Form actions that change something carry a one-time `action_key`: a double submit runs once (lynk.web.actions).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lynk.core.errors import LynkError
from lynk.core.ids import random_token
from lynk.core.pagination import Page
from lynk.core.scope import Scope
from lynk.dashboard import roles, service
from lynk.dashboard.errors import NotAllowed, SessionEnded
from lynk.models import DashboardSession, DashboardUser
from lynk.payments import context as payment_context
from lynk.payments.context import PaymentContext
from lynk.web import actions
from lynk.web.csrf import CsrfPolicy, runtime_of, secure
from lynk.web.router import PageRouter, form_of
from lynk.web.site import Site, security_headers

HERE = Path(__file__).parent
BASE = "/dashboard"
STATIC_DIR = HERE / "static"
STATIC_PATH = "/static/dashboard"
SESSION_COOKIE = "lynk_dashboard"
CSRF = CsrfPolicy("lynk_dashboard_csrf", BASE)
site = Site(HERE / "templates", STATIC_PATH, CSRF, security_headers(scripts=False))
__all__ = ["form_of", "runtime_of"]


def render(request: Request, name: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    """A dashboard page; its forms carry the CSRF token (every page has the sign-out form)."""
    return site.render(request, name, status=status, csrf=True, base=BASE, new_key=action_key, **values)


def message(request: Request, status: int, title: str, text: str, visit: Visit | None = None) -> HTMLResponse:
    return render(request, "message.html", status=status, title=title, message=text, visit=visit)


def csrf_refused(request: Request) -> Response:
    return message(request, 403, "This page has expired", "This page has expired. Go back, reload it and try again.")


pages = PageRouter(CSRF, csrf_refused)
router = pages.router


def next_page(path: str, found: Page[Any], **query: str) -> str | None:
    """The link to the page after `found` (cursor: its last object), keeping the list's filters; None at the end."""
    if not (found.has_more and found.items):
        return None
    return f"{path}?{urlencode({**{k: v for k, v in query.items() if v}, 'after': found.items[-1].id})}"


def session_secret(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def set_session(request: Request, response: Response, secret: str) -> None:
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict", secure=secure(request), path=BASE)


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=BASE, httponly=True, samesite="strict")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@dataclass
class Visit:
    """A signed-in user's request: the transaction, the user, the session, the merchant and mode they see."""

    request: Request
    tx: actions.PageTx
    user: DashboardUser
    row: DashboardSession

    @property
    def scope(self) -> Scope:
        return Scope(self.user.merchant_id, self.row.livemode)

    def may(self, permission: str) -> bool:
        return roles.allows(self.user.role, permission)

    def require(self, permission: str) -> None:
        if not self.may(permission):
            raise NotAllowed()

    def payments(self) -> PaymentContext:
        return payment_context.build(self.tx.runtime, self.tx.session, self.scope, self.tx.now)

    async def audit(self, action: str, target: str | None = None, **details: Any) -> None:
        await service.audit(
            self.tx.session,
            self.user,
            action,
            target=target,
            livemode=self.row.livemode,
            ip=client_ip(self.request),
            now=self.tx.now,
            details=details,
        )


async def _visit(request: Request, tx: actions.PageTx, permission: str) -> Visit:
    row, user = await service.current(tx.session, session_secret(request), now=tx.now)
    visit = Visit(request, tx, user, row)
    visit.require(permission)
    return visit


def _signed_out(request: Request) -> Response:
    # The cookie stays: a session half-way through signing in goes on at its second step.
    return RedirectResponse(f"{BASE}/login?next={request.url.path}", status_code=303)


def refusal(request: Request, error: LynkError, visit: Visit | None = None) -> Response:
    """How a page answers an error: sign in again, not allowed, or the error's message."""
    if isinstance(error, SessionEnded):
        return _signed_out(request)
    if isinstance(error, NotAllowed):
        return message(request, 403, "Not allowed", error.message, visit)
    title = "Not found" if error.http_status == 404 else "That did not work"
    return message(request, error.http_status, title, error.message, visit)


View = Callable[[Visit], Awaitable[Response]]


async def view(request: Request, permission: str, show: View) -> Response:
    """A page a role with `permission` may see, in one transaction (which also keeps the session alive)."""

    async def work(tx: actions.PageTx) -> Response:
        try:
            visit = await _visit(request, tx, permission)
        except SessionEnded as ended:  # an idle session's end is kept: committed with this answer
            return refusal(request, ended)
        return await show(visit)

    outcome = await actions.attempt(request, work)
    return refusal(request, outcome) if isinstance(outcome, LynkError) else outcome


def action_key() -> str:
    """A new form's one-time key (its submits run once)."""
    return random_token(24)


Act = Callable[[Visit], Awaitable[str]]


async def act(request: Request, permission: str, name: str, run: Act, *, target: str | None = None) -> Response:
    """A form action a role with `permission` may take, run once for its `action_key`, audited as `name`,
    answered by a redirect to where `run` says (a repeat of the same submit is sent there too)."""
    form = form_of(request)
    key = form.get("action_key", "")
    if not 16 <= len(key) <= 64:
        return message(request, 400, "This page is out of date", "Reload the page and try again.")
    who = await actions.attempt(request, lambda tx: service.current(tx.session, session_secret(request), now=tx.now))
    if isinstance(who, LynkError):
        return refusal(request, who)
    row, user = who

    async def work(tx: actions.PageTx) -> tuple[int, bytes]:
        visit = await _visit(request, tx, permission)
        location = await run(visit)
        await visit.audit(name, target)
        return 303, json.dumps({"location": location}).encode()

    params = {k: v for k, v in form.items() if k != "csrf_token"}
    try:
        _status, body = await actions.once(
            request, Scope(user.merchant_id, row.livemode), f"dashboard:{user.id}:{key}", params, work
        )
    except LynkError as error:
        return refusal(request, error)
    return RedirectResponse(json.loads(body)["location"], status_code=303)
