"""What the account pages share, on the page layer (lynk.web): the two modes' paths and cookies, the
templates, and one transaction per request with a Link context.

`/account` serves live-mode shoppers and `/test/account` test-mode ones (a shopper has one account
per mode). Each has its own cookies, scoped to its path: the session cookie holds the consumer
session's secret (HttpOnly, SameSite=Strict, Secure over https, no lifetime: the session's idle
expiry is enforced by the server), and the CSRF cookie holds the token every form repeats in its
hidden `csrf_token` field (checked by lynk.web on every POST). Pages run no script at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lynk.core.errors import LynkError
from lynk.link import accounts, devices, network, service, sessions
from lynk.link.context import LinkContext
from lynk.link.limits import limiter_for
from lynk.models import LinkAccount
from lynk.web import actions
from lynk.web.csrf import CsrfPolicy, runtime_of, secure
from lynk.web.router import PageRouter, form_of
from lynk.web.site import Site, security_headers

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PATH = "/static/account"
LIVE_BASE = "/account"
TEST_BASE = "/test/account"
BROWSER_COOKIE_MAX_AGE = 400 * 24 * 3600
T = TypeVar("T")


@dataclass(frozen=True)
class Mode:
    livemode: bool
    base: str
    session_cookie: str
    csrf: CsrfPolicy


LIVE = Mode(True, LIVE_BASE, "lynk_account", CsrfPolicy("lynk_account_csrf", LIVE_BASE))
TEST = Mode(False, TEST_BASE, "lynk_account_test", CsrfPolicy("lynk_account_test_csrf", TEST_BASE))


def mode_of(request: Request) -> Mode:
    return TEST if request.url.path.startswith(TEST_BASE) else LIVE


site = Site(HERE / "templates", STATIC_PATH, lambda request: mode_of(request).csrf, security_headers(scripts=False))


def render(request: Request, name: str, *, status: int = 200, csrf: bool = False, **values: Any) -> HTMLResponse:
    """A page of the request's mode; with `csrf`, its forms carry the browser's token."""
    mode = mode_of(request)
    values.update(base=mode.base, test=not mode.livemode)
    return site.render(request, name, status=status, csrf=csrf, **values)


CHANNELS = {"sms": "text message", "email": "email"}


def code_sent_to(account: LinkAccount, wanted: str | None) -> tuple[str, str | None]:
    """How and where a code went, for the page ("text message", the redacted number): `wanted` if it names
    a channel, else SMS where the account has a phone."""
    channel = wanted if wanted in CHANNELS else ("sms" if account.phone else "email")
    sent_to = accounts.redact_phone(account.phone) if channel == "sms" else accounts.redact_email(account.email)
    return CHANNELS[channel], sent_to


def redirect(request: Request, suffix: str = "", notice: str | None = None) -> RedirectResponse:
    target = mode_of(request).base + suffix + (f"?done={notice}" if notice else "")
    return RedirectResponse(target, status_code=303)


def csrf_refused(request: Request) -> Response:
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
        mode.session_cookie, secret, httponly=True, samesite="strict", secure=secure(request), path=mode.base
    )


def clear_session(request: Request, response: Response) -> None:
    mode = mode_of(request)
    response.delete_cookie(mode.session_cookie, path=mode.base, httponly=True, samesite="strict")


def set_link_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """The browser-binding and trusted-device cookies, with the attributes the consumer API gives them."""
    secure_ = secure(request)
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, secure=secure_, samesite="none" if secure_ else "lax", path="/"
    )


def set_browser_cookie(request: Request, response: Response, value: str) -> None:
    set_link_cookie(request, response, sessions.BROWSER_COOKIE, value, BROWSER_COOKIE_MAX_AGE)


def link_context(request: Request, tx: actions.PageTx) -> LinkContext:
    """A Link context in the network audience, in the action's transaction; live-mode sends run after commit."""
    client = request.client
    caller = service.Caller(
        settings=tx.runtime.settings,
        limiter=limiter_for(tx.runtime.db, tx.runtime.settings.redis_url),
        ip=client.host if client else "unknown",
        browser=request.cookies.get(sessions.BROWSER_COOKIE),
        device=request.cookies.get(devices.DEVICE_COOKIE),
    )
    ctx = service.context(tx.session, tx.runtime.keyring, network.scope(mode_of(request).livemode), tx.now, caller)
    ctx.after_commit = tx.after_commit
    return ctx


async def attempt(
    request: Request, work: Callable[[LinkContext], Awaitable[T]], *, phases: bool = False
) -> T | LynkError:
    """Run `work` in one transaction: its result, or the error (whose changes commit if it keeps them). With
    `phases`, in atomic phases around a processor call (`actions.transaction`)."""
    return await actions.attempt(request, lambda tx: work(link_context(request, tx)), phases=phases)


pages = PageRouter(lambda request: mode_of(request).csrf, csrf_refused)
router = pages.router
__all__ = ["form_of", "runtime_of"]


def route(
    method: str, suffix: str
) -> Callable[[Callable[..., Awaitable[Response]]], Callable[..., Awaitable[Response]]]:
    """Serve a handler under both modes' paths (`/account…` and `/test/account…`), POSTs CSRF-checked."""
    return pages.route(method, LIVE_BASE + suffix, TEST_BASE + suffix)
