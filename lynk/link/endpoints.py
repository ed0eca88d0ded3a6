"""HTTP handlers of the consumer API under /v1/link (sessions), called by Lynk's own pages with the
merchant's publishable key, the consumer session's secret in the body and the browser's cookie.

Every call that carries a session secret is a POST, so a secret never sits in a URL (and so in
no access log).
"""

from __future__ import annotations

from typing import Any

from lynk.link import accounts, devices, service, sessions, step_up
from lynk.link.context import LinkContext
from lynk.link.limits import limiter_for
from lynk.link.objects import account_object, session_object
from lynk.link.schemas import ConfirmVerification, LookupConsumer, SessionParams, SignUpConsumer, StartVerification
from lynk.wire.auth import Auth
from lynk.wire.routing import ApiCall, Cookie, StripeRouter

routes = StripeRouter(tags=["Link"])
BROWSER_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie


def caller_of(call: ApiCall) -> service.Caller:
    runtime = call.runtime
    client = call.request.client
    return service.Caller(
        settings=runtime.settings,
        limiter=limiter_for(runtime.db, runtime.settings.redis_url),
        ip=client.host if client else "unknown",
        browser=call.request.cookies.get(sessions.BROWSER_COOKIE),
        device=call.request.cookies.get(devices.DEVICE_COOKIE),
    )


def link_context(call: ApiCall) -> LinkContext:
    ctx = service.context(call.session, call.runtime.keyring, call.scope, call.now, caller_of(call))
    ctx.after_commit = call.after_commit
    return ctx


def _set_cookie(call: ApiCall, name: str, value: str, max_age: int) -> None:
    secure = call.runtime.settings.public_url.startswith("https://")
    call.cookies.append(
        Cookie(
            name=name,
            value=value,
            max_age=max_age,
            secure=secure,
            # Lynk's element lives in an iframe on merchants' pages: a cross-site context needs None (+ Secure).
            same_site="none" if secure else "lax",
        )
    )


def _set_browser_cookie(call: ApiCall, value: str) -> None:
    _set_cookie(call, sessions.BROWSER_COOKIE, value, BROWSER_COOKIE_MAX_AGE)


@routes.post(
    "/v1/link/consumers/lookup", params=LookupConsumer, summary="Look a shopper up", auth=Auth.ANY_KEY, idempotent=False
)
async def lookup(call: ApiCall, params: LookupConsumer) -> dict[str, Any]:
    ctx = link_context(call)
    found = await sessions.lookup(ctx, params.email_address)
    if found.browser is not None:
        _set_browser_cookie(call, found.browser)
    if found.account is None or found.link_session is None:
        return {"object": "link.lookup", "exists": False, "consumer_session": None}
    return {
        "object": "link.lookup",
        "exists": True,
        "consumer_session": session_object(found.link_session, found.account, found.secret),
        "trusted_device": found.trusted_device,
    }


@routes.post(
    "/v1/link/consumers", params=SignUpConsumer, summary="Sign a shopper up", auth=Auth.ANY_KEY, idempotent=False
)
async def sign_up(call: ApiCall, params: SignUpConsumer) -> dict[str, Any]:
    """A new account and an unverified session; a code goes to the phone, whose confirmation verifies both."""
    ctx = link_context(call)
    signup = accounts.Signup(params.email_address, params.phone_number, params.legal_name, params.country)
    account = await accounts.create(ctx, signup)
    row, secret, fresh_browser = await sessions.open_session(ctx, account)
    if fresh_browser is not None:
        _set_browser_cookie(call, fresh_browser)
    await sessions.start_verification(ctx, secret, "sms")
    return {"object": "link.sign_up", "consumer_session": session_object(row, account, secret)}


@routes.post(
    "/v1/link/consumer_sessions/start_verification",
    params=StartVerification,
    summary="Send a verification code",
    auth=Auth.ANY_KEY,
)
async def start_verification(call: ApiCall, params: StartVerification) -> dict[str, Any]:
    ctx = link_context(call)
    row = await sessions.start_verification(ctx, params.consumer_session_client_secret, params.type)
    return session_object(row, await accounts.get(ctx, row.account_id))


@routes.post(
    "/v1/link/consumer_sessions/confirm_verification",
    params=ConfirmVerification,
    summary="Confirm a verification code",
    auth=Auth.ANY_KEY,
)
async def confirm_verification(call: ApiCall, params: ConfirmVerification) -> dict[str, Any]:
    ctx = link_context(call)
    row, account = await sessions.confirm_verification(ctx, params.consumer_session_client_secret, params.code)
    if params.remember_me:
        label = call.request.headers.get("user-agent", "")[:200] or None
        cookie = await step_up.trust_device(ctx, row, account, label)
        if cookie is not None:
            _set_cookie(call, devices.DEVICE_COOKIE, cookie, call.runtime.settings.link_device_trust_days * 86400)
    return session_object(row, account)


@routes.post("/v1/link/consumer_sessions/log_out", params=SessionParams, summary="Log a session out", auth=Auth.ANY_KEY)
async def log_out(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    row = await sessions.log_out(ctx, params.consumer_session_client_secret)
    return session_object(row, await accounts.get(ctx, row.account_id))


@routes.post("/v1/link/account", params=SessionParams, summary="The shopper's account", auth=Auth.ANY_KEY)
async def retrieve_account(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    return account_object(await sessions.verified_account(ctx, params.consumer_session_client_secret), full=True)


@routes.post("/v1/link/account/export", params=SessionParams, summary="Export the account", auth=Auth.ANY_KEY)
async def export_account(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    return await service.export(ctx, account)


@routes.post("/v1/link/account/delete", params=SessionParams, summary="Delete the account", auth=Auth.ANY_KEY)
async def delete_account(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    return await service.delete_account(ctx, account)
