"""What the account pages share: the two modes' paths and cookies, templates, security headers, the
CSRF check, reading a form, and one database transaction per request with a Link context.

`/account` serves live-mode shoppers and `/test/account` test-mode ones (a shopper has one account
per mode). Each has its own cookies, scoped to its path: the session cookie holds the consumer
session's secret (HttpOnly, SameSite=Strict, Secure over https, no lifetime: the session's idle
expiry is enforced by the server), and the CSRF cookie holds the token every form repeats in its
hidden `csrf_token` field. A POST must also come from Lynk's own origin when the browser says where
it comes from (`Origin`, `Sec-Fetch-Site`). Pages send a strict Content-Security-Policy: no script at
all, styles from Lynk only.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from lynk.core.clock import unix
from lynk.core.errors import LynkError
from lynk.core.ids import random_token
from lynk.link import devices, network, service, sessions
from lynk.link.context import LinkContext
from lynk.link.limits import limiter_for
from lynk.wire.routing import Runtime

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PATH = "/static/account"
LIVE_BASE = "/account"
TEST_BASE = "/test/account"
BROWSER_COOKIE_MAX_AGE = 400 * 24 * 3600
MAX_FORM_BYTES = 16_384
T = TypeVar("T")
logger = logging.getLogger(__name__)

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'none'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # Not `no-referrer`: with it, browsers send `Origin: null` on form POSTs, and the origin check needs it.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Mode:
    livemode: bool
    base: str
    session_cookie: str
    csrf_cookie: str


LIVE = Mode(True, LIVE_BASE, "lynk_account", "lynk_account_csrf")
TEST = Mode(False, TEST_BASE, "lynk_account_test", "lynk_account_test_csrf")


def mode_of(request: Request) -> Mode:
    return TEST if request.url.path.startswith(TEST_BASE) else LIVE


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _secure(request: Request) -> bool:
    return runtime_of(request).settings.public_url.startswith("https://") or request.url.scheme == "https"


def render(
    request: Request, name: str, *, status: int = 200, csrf: str | None = None, **values: object
) -> HTMLResponse:
    """A page; with `csrf`, its forms carry that token and the cookie is (re)set with it."""
    mode = mode_of(request)
    html = templates.get_template(name).render(
        static=STATIC_PATH, base=mode.base, test=not mode.livemode, csrf=csrf, **values
    )
    response = HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
    if csrf is not None:
        response.set_cookie(
            mode.csrf_cookie, csrf, httponly=True, samesite="strict", secure=_secure(request), path=mode.base
        )
    return response


def csrf_token(request: Request) -> str:
    """The browser's token if it has one (so several tabs keep working), else a new one."""
    found = request.cookies.get(mode_of(request).csrf_cookie, "")
    return found if 32 <= len(found) <= 64 else random_token(32)


def redirect(request: Request, suffix: str = "", notice: str | None = None) -> RedirectResponse:
    target = mode_of(request).base + suffix + (f"?done={notice}" if notice else "")
    return RedirectResponse(target, status_code=303)


async def read_form(request: Request) -> dict[str, str] | None:
    """The POSTed form if its CSRF token matches the cookie and it comes from Lynk's origin, else None."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    try:
        parsed = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        return None
    form = {key: values[0] for key, values in parsed.items()}
    cookie = request.cookies.get(mode_of(request).csrf_cookie, "")
    given = form.get("csrf_token", "")
    origin = request.headers.get("origin")
    own = runtime_of(request).settings.public_url.rstrip("/")
    same_origin = origin is None or origin in (own, f"{request.url.scheme}://{request.url.netloc}")
    same_origin = same_origin and request.headers.get("sec-fetch-site", "same-origin") == "same-origin"
    if cookie and given and hmac.compare_digest(cookie.encode(), given.encode()) and same_origin:
        return form
    return None


def csrf_refused(request: Request) -> HTMLResponse:
    return render(
        request,
        "message.html",
        status=403,
        title="This page has expired",
        message="This page has expired. Go back, reload it and try again.",
        link={"href": mode_of(request).base, "text": "Back to your account"},
    )


def session_secret(request: Request) -> str | None:
    return request.cookies.get(mode_of(request).session_cookie) or None


def set_session(request: Request, response: Response, secret: str) -> None:
    mode = mode_of(request)
    response.set_cookie(
        mode.session_cookie, secret, httponly=True, samesite="strict", secure=_secure(request), path=mode.base
    )


def clear_session(request: Request, response: Response) -> None:
    mode = mode_of(request)
    response.delete_cookie(mode.session_cookie, path=mode.base, httponly=True, samesite="strict")


def set_link_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """The browser-binding and trusted-device cookies, with the attributes the consumer API gives them."""
    secure = _secure(request)
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, secure=secure, samesite="none" if secure else "lax", path="/"
    )


def set_browser_cookie(request: Request, response: Response, value: str) -> None:
    set_link_cookie(request, response, sessions.BROWSER_COOKIE, value, BROWSER_COOKIE_MAX_AGE)


@asynccontextmanager
async def link_context(request: Request) -> AsyncIterator[LinkContext]:
    """One transaction with a Link context in the network audience; live-mode sends run after commit."""
    runtime = runtime_of(request)
    client = request.client
    caller = service.Caller(
        settings=runtime.settings,
        limiter=limiter_for(runtime.db, runtime.settings.redis_url),
        ip=client.host if client else "unknown",
        browser=request.cookies.get(sessions.BROWSER_COOKIE),
        device=request.cookies.get(devices.DEVICE_COOKIE),
    )
    after: list[Callable[[], Awaitable[None]]] = []
    async with runtime.db.transaction() as session:
        scope = network.scope(mode_of(request).livemode)
        ctx = service.context(session, runtime.keyring, scope, unix(runtime.clock), caller)
        ctx.after_commit = after
        yield ctx
    for job in after:
        try:
            await job()
        except Exception:  # a failed send is logged, never shown (the code was issued)
            logger.exception("work after commit failed")


async def attempt(request: Request, work: Callable[[LinkContext], Awaitable[T]]) -> T | LynkError:
    """Run `work` in one transaction: its result, or the error (whose changes commit if it keeps them)."""
    try:
        async with link_context(request) as ctx:
            try:
                return await work(ctx)
            except LynkError as error:
                if not error.keep_changes:
                    raise
                return error
    except LynkError as error:
        return error


Handler = Callable[..., Awaitable[Response]]
router = APIRouter(include_in_schema=False)


def route(method: str, suffix: str) -> Callable[[Handler], Handler]:
    """Serve a handler under both modes' paths (`/account…` and `/test/account…`)."""

    def register(handler: Handler) -> Handler:
        for base in (LIVE_BASE, TEST_BASE):
            router.add_api_route(base + suffix, handler, methods=[method])
        return handler

    return register
