"""Logging in to the account page, and its overview.

- `GET /account`: the overview when a verified session's cookie is there, else the Email form.
- `POST /account/login`: look the shopper up in the network audience; a trusted device is in at
  once, otherwise a code is sent (SMS where the account has a phone) and the Verification code form follows.
- `GET|POST /account/verify`, `POST /account/verify/resend`: the code step ("Remember this device" trusts
  the browser as the consumer API's `remember_me` does).
- `POST /account/logout`.
The same routes serve test mode under `/test/account` (see web.py). Managing the wallet is in manage.py.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from lynk.account import manage, overview
from lynk.account.web import (
    STATIC_DIR,
    STATIC_PATH,
    attempt,
    clear_session,
    code_sent_to,
    form_of,
    mode_of,
    redirect,
    render,
    route,
    router,
    runtime_of,
    session_secret,
    set_browser_cookie,
    set_link_cookie,
    set_session,
)
from lynk.core.errors import LynkError
from lynk.link import devices, network, sessions, step_up
from lynk.link.context import LinkContext
from lynk.link.errors import ConsumerSessionNotVerified

NOTICES = {
    "card_added": "The card is saved.",
    "default": "Your default card is updated.",
    "nickname": "The nickname is saved.",
    "removed": "The card is removed from your account.",
    "address_added": "The address is saved.",
    "address_default": "Your default address is updated.",
    "address_removed": "The address is removed.",
    "device_logged_out": "The device is logged out.",
    "devices_logged_out": "Every remembered device is logged out.",
    "revoked": "Access revoked: that merchant can no longer charge you through Lynk.",
    "logged_out": "You are logged out.",
    "expired": "Your session has ended. Log in again.",
    "sent": "A new code is on its way.",
    "confirmed_card": "Thank you, it's you. Enter the card again to save it.",
}


def install(app: FastAPI) -> None:
    assert manage.__name__  # its routes are on the shared router
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="account-static")


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("done", ""))


def login_page(request: Request, *, error: str | None = None, email: str = "", status: int = 200) -> Response:
    response = render(
        request,
        "login.html",
        status=status,
        csrf=True,
        error=error,
        email=email,
        notice=_notice(request),
    )
    if session_secret(request):
        clear_session(request, response)
    return response


@route("GET", "")
async def home(request: Request) -> Response:
    secret = session_secret(request)
    if not secret:
        return login_page(request)
    view = await attempt(request, lambda ctx: overview.of(ctx, secret))
    if isinstance(view, ConsumerSessionNotVerified):
        return redirect(request, "/verify")
    if isinstance(view, LynkError):
        return login_page(request)
    # After a step-up for a card, its form is open again: the card was not kept through the code step.
    card_form_open = request.query_params.get("done") == "confirmed_card"
    return render(request, "account.html", csrf=True, notice=_notice(request), card_form_open=card_form_open, **view)


@route("POST", "/login")
async def log_in(request: Request) -> Response:
    form = form_of(request)
    email = form.get("email", "").strip()[:320]
    if not email:
        return login_page(request, error="Enter your email address.", status=400)

    async def work(ctx: LinkContext) -> tuple[sessions.Lookup, str | None]:
        found = await network.log_in(ctx, email)
        channel = None
        if found.account is not None and not found.trusted_device:
            _account, channel = await network.send_code(ctx, found.secret, None)
        return found, channel

    outcome = await attempt(request, work)
    if isinstance(outcome, LynkError):
        return login_page(request, error=outcome.message, email=email, status=outcome.http_status)
    found, channel = outcome
    if found.account is None or found.secret is None:
        message = (
            "There is no Lynk account for this email address. An account is made when you choose "
            "“Save my information for faster checkout” while paying."
        )
        return login_page(request, error=message, email=email, status=404)
    response: Response = RedirectResponse(
        mode_of(request).base + ("" if found.trusted_device else f"/verify?via={channel}"), status_code=303
    )
    set_session(request, response, found.secret)
    if found.browser is not None:
        set_browser_cookie(request, response, found.browser)
    return response


async def _verify_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    secret = session_secret(request)
    pending = await attempt(request, lambda ctx: network.pending(ctx, secret))
    if isinstance(pending, LynkError):
        return login_page(request, error="Your session has ended. Log in again.", status=401)
    row, account = pending
    if row.status == "verified":
        return redirect(request)
    channel, sent_to = code_sent_to(account, request.query_params.get("via"))
    settings = runtime_of(request).settings
    return render(
        request,
        "verify.html",
        status=status,
        csrf=True,
        error=error,
        notice=_notice(request),
        channel=channel,
        sent_to=sent_to,
        has_phone=account.phone is not None,
        ttl_minutes=max(1, settings.link_code_ttl_seconds // 60),
        trust_days=settings.link_device_trust_days,
    )


@route("GET", "/verify")
async def verify_form(request: Request) -> Response:
    if not session_secret(request):
        return redirect(request)
    return await _verify_page(request)


@route("POST", "/verify")
async def verify(request: Request) -> Response:
    form = form_of(request)
    secret = session_secret(request)
    code = form.get("code", "").replace(" ", "")[:12]
    if not code:
        return await _verify_page(request, error="Enter the 6-digit code we sent you.", status=400)
    remember = form.get("remember_me") == "yes"
    label = request.headers.get("user-agent", "")[:200] or None

    async def work(ctx: LinkContext) -> str | None:
        row, account = await network.confirm_code(ctx, secret, code)
        return await step_up.trust_device(ctx, row, account, label) if remember else None

    outcome = await attempt(request, work)
    if isinstance(outcome, LynkError):
        if outcome.param == sessions.SECRET_PARAM:
            return login_page(request, error="Your session has ended. Log in again.", status=401)
        return await _verify_page(request, error=outcome.message, status=outcome.http_status)
    response = redirect(request)
    if outcome is not None:
        days = runtime_of(request).settings.link_device_trust_days
        set_link_cookie(request, response, devices.DEVICE_COOKIE, outcome, days * 86400)
    return response


@route("POST", "/verify/resend")
async def resend(request: Request) -> Response:
    form = form_of(request)
    secret = session_secret(request)
    wanted = form.get("channel") or None
    outcome = await attempt(request, lambda ctx: network.send_code(ctx, secret, wanted))
    if isinstance(outcome, LynkError):
        if outcome.param == sessions.SECRET_PARAM:
            return login_page(request, error="Your session has ended. Log in again.", status=401)
        return await _verify_page(request, error=outcome.message, status=outcome.http_status)
    _account, channel = outcome
    return RedirectResponse(f"{mode_of(request).base}/verify?via={channel}&done=sent", status_code=303)


@route("POST", "/logout")
async def log_out(request: Request) -> Response:
    secret = session_secret(request)
    await attempt(request, lambda ctx: sessions.log_out(ctx, secret))  # an ended session is logged out already
    response = redirect(request, "", "logged_out")
    clear_session(request, response)
    return response
