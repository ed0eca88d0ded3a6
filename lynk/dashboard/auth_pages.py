"""Signing in to the dashboard, setting up a user, switching mode, signing out.

- `GET|POST /dashboard/setup/{token}`: the one-time link `lynk users create` prints: choose a password, add the
  TOTP key to an app and prove it with a code; the recovery codes follow, shown once, and the user is in.
- `GET|POST /dashboard/login`: email and password, then `GET|POST /dashboard/login/code`: a TOTP or recovery
  code. The second step opens a new session (the first one's secret is worth nothing after).
- `POST /dashboard/mode` (the test/live switch), `POST /dashboard/logout`.
"""

from __future__ import annotations

import segno
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from lynk.core.errors import LynkError
from lynk.dashboard import service
from lynk.dashboard.errors import SessionEnded
from lynk.dashboard.web import (
    BASE,
    Visit,
    clear_session,
    client_ip,
    form_of,
    message,
    pages,
    render,
    session_secret,
    set_session,
    view,
)
from lynk.models import DashboardUser
from lynk.web import actions

# What the QR code says to a screen reader: the key itself is on the page as text, right after it.
QR_TITLE = "QR code of the authenticator key"


def _next(value: str | None) -> str:
    """Where to go after signing in: a dashboard page only (never another site)."""
    if value and value.startswith(BASE + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return f"{BASE}/payments"


async def _audit_sign_in(tx: actions.PageTx, request: Request, user: DashboardUser, how: str) -> None:
    await service.audit(
        tx.session,
        user,
        "signed_in",
        target=None,
        livemode=False,
        ip=client_ip(request),
        now=tx.now,
        details={"with": how},
    )


@pages.get(f"{BASE}/setup/{{token}}")
async def setup_form(token: str, request: Request) -> Response:
    found = await actions.attempt(request, lambda tx: service.open_link(tx.session, token, now=tx.now))
    if isinstance(found, LynkError):
        return message(request, found.http_status, "This link is not valid", found.message)
    _link, user = found
    return _setup_page(request, token, user, service.new_totp_secret())


def totp_qr(uri: str) -> Markup:
    """The `otpauth://` URI as an inline SVG QR code (segno; no script, no image request, so the CSP holds)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, svgclass="qr", omitsize=False)
    return Markup(svg)  # noqa: S704 - segno's own SVG; the URI inside is XML-escaped by segno


def _setup_page(request: Request, token: str, user: DashboardUser, secret: str, error: str | None = None) -> Response:
    uri = service.totp_uri(user, secret)
    return render(
        request,
        "setup.html",
        status=400 if error else 200,
        token=token,
        email=user.email,
        role=user.role,
        totp_secret=secret,
        totp_uri=uri,
        totp_qr=totp_qr(uri),
        qr_title=QR_TITLE,
        error=error,
    )


@pages.post(f"{BASE}/setup/{{token}}")
async def setup(token: str, request: Request) -> Response:
    form = form_of(request)
    secret = form.get("totp_secret", "")

    async def work(tx: actions.PageTx) -> tuple[list[str], str]:
        user, codes = await service.enrol(
            tx.session,
            tx.runtime.keyring,
            token,
            password=form.get("password", ""),
            totp_secret=secret,
            code=form.get("code", ""),
            now=tx.now,
        )
        await _audit_sign_in(tx, request, user, "sign_in_link")
        return codes, await service.start_session(tx.session, user, "active", now=tx.now)

    outcome = await actions.attempt(request, work)
    if isinstance(outcome, LynkError):
        found = await actions.attempt(request, lambda tx: service.open_link(tx.session, token, now=tx.now))
        if isinstance(found, LynkError):
            return message(request, found.http_status, "This link is not valid", found.message)
        return _setup_page(
            request, token, found[1], secret if len(secret) == 32 else service.new_totp_secret(), outcome.message
        )
    codes, session_secret_ = outcome
    response = render(request, "recovery.html", codes=codes)
    set_session(request, response, session_secret_)
    return response


@pages.get(f"{BASE}/login")
async def login_form(request: Request) -> Response:
    return render(request, "login.html", email="", error=None, next=_next(request.query_params.get("next")))


@pages.post(f"{BASE}/login")
async def log_in(request: Request) -> Response:
    form = form_of(request)
    email, target = form.get("email", "").strip()[:320], _next(form.get("next"))

    async def work(tx: actions.PageTx) -> str:
        user = await service.check_password(
            tx.session, email, form.get("password", ""), now=tx.now, ip=client_ip(request)
        )
        return await service.start_session(tx.session, user, "password", now=tx.now)

    outcome = await actions.attempt(request, work)
    if isinstance(outcome, LynkError):
        return render(
            request, "login.html", status=outcome.http_status, email=email, error=outcome.message, next=target
        )
    response = RedirectResponse(f"{BASE}/login/code?next={target}", status_code=303)
    set_session(request, response, outcome)
    return response


@pages.get(f"{BASE}/login/code")
async def code_form(request: Request) -> Response:
    return render(request, "code.html", error=None, next=_next(request.query_params.get("next")))


@pages.post(f"{BASE}/login/code")
async def second_factor(request: Request) -> Response:
    form = form_of(request)
    target = _next(form.get("next"))

    async def work(tx: actions.PageTx) -> str:
        row, user = await service.current(tx.session, session_secret(request), now=tx.now, stage="password")
        how = await service.check_second_factor(
            tx.session, tx.runtime.keyring, user, form.get("code", ""), now=tx.now, ip=client_ip(request)
        )
        service.end(row)  # rotate: the secret that passed the password step stops here
        await _audit_sign_in(tx, request, user, how)
        return await service.start_session(tx.session, user, "active", now=tx.now)

    outcome = await actions.attempt(request, work)
    if isinstance(outcome, SessionEnded):
        response: Response = RedirectResponse(f"{BASE}/login", status_code=303)
        clear_session(response)
        return response
    if isinstance(outcome, LynkError):
        return render(request, "code.html", status=outcome.http_status, error=outcome.message, next=target)
    response = RedirectResponse(target, status_code=303)
    set_session(request, response, outcome)
    return response


@pages.post(f"{BASE}/mode")
async def switch_mode(request: Request) -> Response:
    livemode = form_of(request).get("livemode") == "yes"

    async def switch(visit: Visit) -> Response:
        visit.row.livemode = livemode
        await visit.audit("switched_mode", None, livemode=livemode)
        return RedirectResponse(f"{BASE}/payments", status_code=303)

    return await view(request, "payments.read", switch)


@pages.post(f"{BASE}/logout")
async def log_out(request: Request) -> Response:
    async def end(visit: Visit) -> Response:
        service.end(visit.row)
        await visit.audit("signed_out")
        return RedirectResponse(f"{BASE}/login", status_code=303)

    response = await view(request, "payments.read", end)
    clear_session(response)
    return response
