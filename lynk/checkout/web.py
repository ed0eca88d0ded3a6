"""What Lynk's own checkout pages share: templates, security headers, the CSRF check, the database scope.

Pages send a strict Content-Security-Policy: scripts and styles only from Lynk's own files
(no inline code), requests only to Lynk itself. The hosted page's POSTs carry a CSRF token
twice, in a `SameSite=Strict` cookie set with the page and in the `X-CSRF-Token` header, and
must come from Lynk's own origin.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from lynk.core.clock import unix
from lynk.core.ids import random_token
from lynk.core.scope import Scope
from lynk.payments.context import PaymentContext, configured
from lynk.wire.routing import Runtime

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PATH = "/static/checkout"
CSRF_COOKIE = "lynk_csrf"
CSRF_HEADER = "x-csrf-token"
SECRET_HEADER = "x-lynk-client-secret"  # noqa: S105 (a header name, not a secret)

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def _csp(frame_ancestors: str) -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"form-action 'self'; frame-ancestors {frame_ancestors}; base-uri 'none'"
    )


PAGE_HEADERS = {
    "Content-Security-Policy": _csp("'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
# The payment element is made to be framed by merchants' pages.
ELEMENT_HEADERS = {**PAGE_HEADERS, "Content-Security-Policy": _csp("http: https:")}
del ELEMENT_HEADERS["X-Frame-Options"]


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@asynccontextmanager
async def page_context(request: Request, *, write: bool = True) -> AsyncIterator[PaymentContext]:
    """One transaction for a page request; the scope is set once the page's object is known."""
    runtime = runtime_of(request)
    async with runtime.db.transaction(write=write) as session:
        yield PaymentContext(
            session=session,
            scope=Scope("", livemode=False),
            keyring=runtime.keyring,
            test_connector=runtime.connector,
            live_connector=runtime.live_connector,
            now=unix(runtime.clock),
            **configured(runtime.settings),
        )


def render(name: str, *, status: int = 200, headers: dict[str, str] | None = None, **values: object) -> HTMLResponse:
    html = templates.get_template(name).render(static=STATIC_PATH, **values)
    return HTMLResponse(html, status_code=status, headers=headers or PAGE_HEADERS)


def not_found(message: str = "This checkout link is not valid.") -> HTMLResponse:
    return render("message.html", status=404, title="Not found", message=message, link=None)


def new_csrf_token() -> str:
    return random_token(32)


def set_csrf_cookie(response: HTMLResponse, token: str, *, secure: bool) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/c/")


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    own = runtime_of(request).settings.public_url.rstrip("/")
    return origin is None or origin == own or origin == f"{request.url.scheme}://{request.url.netloc}"


def embedded_secret_ok(request: Request, client_secret: str | None) -> bool:
    """An embedded checkout's frame sits in the merchant's site, where browsers withhold Lynk's cookies:
    its posts prove themselves with the session's client secret instead (no other site knows it)."""
    given = request.headers.get(SECRET_HEADER, "")
    return bool(client_secret and given and hmac.compare_digest(given, client_secret) and _same_origin(request))


def csrf_refused(request: Request) -> JSONResponse | None:
    """None when the POST carries the page's token (cookie and header agree) from Lynk's own origin."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if cookie and header and hmac.compare_digest(cookie, header) and _same_origin(request):
        return None
    return JSONResponse(
        {"outcome": "error", "message": "This page has expired. Reload it and try again.", "param": None},
        status_code=403,
    )
