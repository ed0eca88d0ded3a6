"""What Lynk's own checkout pages share, on the page layer (lynk.web): the site (templates, headers), its
CSRF policy, and a payments context in a page action's one transaction.

Pages send a strict Content-Security-Policy: scripts and styles only from Lynk's own files
(no inline code), requests only to Lynk itself. The hosted page's POSTs carry a CSRF token
twice, in a `SameSite=Strict` cookie set with the page and in the `X-CSRF-Token` header, and
must come from Lynk's own origin (lynk.web.csrf).
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from lynk.core.scope import Scope
from lynk.payments import context
from lynk.payments.context import PaymentContext
from lynk.web import actions
from lynk.web.csrf import CsrfPolicy, runtime_of, same_origin
from lynk.web.router import PageRouter
from lynk.web.site import Site, security_headers

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PATH = "/static/checkout"
SECRET_HEADER = "x-lynk-client-secret"  # noqa: S105 (a header name, not a secret)
CSRF = CsrfPolicy("lynk_csrf", "/c/")

# The page's scripts post JSON with fetch, which sends `Origin` whatever the referrer policy.
PAGE_HEADERS = security_headers(scripts=True, referrer="no-referrer")
# The payment element is made to be framed by merchants' pages.
ELEMENT_HEADERS = security_headers(scripts=True, referrer="no-referrer", frame_ancestors="http: https:")

site = Site(HERE / "templates", STATIC_PATH, CSRF, PAGE_HEADERS)
__all__ = ["runtime_of"]


def csrf_refused(_request: Request) -> Response:
    return JSONResponse(
        {"outcome": "error", "message": "This page has expired. Reload it and try again.", "param": None},
        status_code=403,
    )


pages = PageRouter(CSRF, csrf_refused)


def payment_context(tx: actions.PageTx) -> PaymentContext:
    """A payments context in the page action's transaction; its scope is set once the page's object is known."""
    return context.build(tx.runtime, tx.session, Scope("", livemode=False), tx.now)


@asynccontextmanager
async def page_context(request: Request, *, write: bool = True) -> AsyncIterator[PaymentContext]:
    """One transaction for a page request, with a payments context."""
    async with actions.transaction(request, write=write) as tx:
        yield payment_context(tx)


def render(request: Request, name: str, *, status: int = 200, csrf: bool = False, **values: Any) -> HTMLResponse:
    return site.render(request, name, status=status, csrf=csrf, **values)


def not_found(request: Request, message: str = "This checkout link is not valid.") -> HTMLResponse:
    return render(request, "message.html", status=404, title="Not found", message=message, link=None)


def embedded_secret_ok(request: Request, client_secret: str | None) -> bool:
    """An embedded checkout's frame sits in the merchant's site, where browsers withhold Lynk's cookies:
    its posts prove themselves with the session's client secret instead (no other site knows it)."""
    given = request.headers.get(SECRET_HEADER, "")
    return bool(client_secret and given and hmac.compare_digest(given, client_secret) and same_origin(request))
