"""The hosted page's Link steps: look the shopper up, send and check the code, show the saved wallet.

The page's own JSON calls (CSRF-checked, like `/confirm`), under `/c/pay/{id}/link/…`. They go
through the Link network's use cases (`lynk.link.sessions`, `details`, `devices`), in the scope of
the Checkout Session's merchant, exactly as the consumer API under `/v1/link` does, so limits,
browser binding and code rules are the same. The consumer session's secret lives only in the
page's memory (a JSON answer, never a URL); the `lynk_browser` cookie binds it to this browser.

- `lookup`: by the typed email, or with none by the `lynk_known` cookie a previous Link payment or
  login left (which only saves typing: a code is still needed, unless a trusted device verifies
  the lookup). A recognised shopper gets a code at once (SMS where there is a phone).
- `resend`, `verify` (with "Remember this device"), `forget` ("Not you?").
Paying with the chosen detail goes through `/confirm` (page_confirm.py) with `payment_method_data[type]=link`.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from lynk.checkout import service
from lynk.checkout.web import pages, payment_context, runtime_of
from lynk.core.errors import InvalidRequestError, LynkError
from lynk.core.scope import Scope
from lynk.link import accounts, details, devices, grants, sessions, step_up
from lynk.link import service as link
from lynk.link.context import LinkContext
from lynk.link.limits import limiter_for
from lynk.link.objects import detail_object, shipping_address_object
from lynk.models import CheckoutSession, CheckoutSessionStatus, LinkAccount, LinkSession, LinkSessionStatus
from lynk.payments.context import PaymentContext
from lynk.web import actions
from lynk.web import csrf as web_csrf

logger = logging.getLogger(__name__)
BROWSER_COOKIE_MAX_AGE = 400 * 24 * 3600
KNOWN_COOKIE_MAX_AGE = 90 * 24 * 3600

# The opt-in's country selector: which country a phone number typed in national form is read in.
_COUNTRY_NAMES = {
    "US": "United States", "CA": "Canada", "GB": "United Kingdom", "IE": "Ireland", "AU": "Australia",
    "NZ": "New Zealand", "FR": "France", "DE": "Germany", "ES": "Spain", "IT": "Italy", "NL": "Netherlands",
    "BE": "Belgium", "CH": "Switzerland", "AT": "Austria", "SE": "Sweden", "NO": "Norway", "DK": "Denmark",
    "FI": "Finland", "PL": "Poland", "PT": "Portugal", "JP": "Japan", "SG": "Singapore", "HK": "Hong Kong",
    "IN": "India", "BR": "Brazil", "MX": "Mexico",
}  # fmt: skip
PHONE_COUNTRIES = [
    (code, f"{name} (+{phonenumbers.country_code_for_region(code)})") for code, name in _COUNTRY_NAMES.items()
]


def phone_country(customer_details: dict[str, Any] | None) -> str:
    """The selector's default: the session's billing country when known, else the United States."""
    country = ((customer_details or {}).get("address") or {}).get("country")
    return country if isinstance(country, str) and country.upper() in _COUNTRY_NAMES else "US"


def caller_of(request: Request) -> link.Caller:
    runtime = runtime_of(request)
    return link.Caller(
        settings=runtime.settings,
        limiter=limiter_for(runtime.db, runtime.settings.redis_url),
        ip=request.client.host if request.client else "unknown",
        browser=request.cookies.get(sessions.BROWSER_COOKIE),
        device=request.cookies.get(devices.DEVICE_COOKIE),
    )


_LOOPBACK = ("localhost", "127.0.0.1", "[::1]", "::1")


def set_link_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int, *, partitioned: bool = False
) -> None:
    """The Link cookies, with the attributes the consumer API gives them (see docs/link.md).

    `partitioned` (the elements, framed by merchants' sites): each cookie twice, `Secure; SameSite=None` for
    browsers that let a frame keep third-party cookies (recognition across shops), and the same value with
    `Partitioned` (CHIPS), which browsers keep per top-level site even when they block third-party cookies.
    `Secure` needs https, or a loopback host, which browsers count as potentially trustworthy."""
    secure = web_csrf.secure(request) or (partitioned and request.url.hostname in _LOOPBACK)
    for copy in (False, True) if partitioned and secure else (False,):
        response.set_cookie(
            name, value, max_age=max_age, path="/", httponly=True, secure=secure, samesite="none" if secure else "lax"
        )
        if copy:  # Python's http.cookies knows `Partitioned` only from 3.14: add it by hand
            header, cookie = response.raw_headers[-1]
            response.raw_headers[-1] = (header, cookie + b"; Partitioned")


def _answer(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def error_answer(error: LynkError) -> JSONResponse:
    body: dict[str, Any] = {"outcome": "error", "message": error.message, "param": error.param, "code": error.code}
    if "retry_after" in error.extra:
        body["retry_after"] = error.extra["retry_after"]
    return _answer(body, error.http_status if error.http_status < 500 else 503)


async def read_body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def text(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _link_open(session: CheckoutSession | None, now: int) -> bool:
    return (
        session is not None
        and "link" in session.payment_method_types
        and session.status == CheckoutSessionStatus.OPEN
        and session.expires_at > now
    )


async def wallet(ctx: LinkContext, account: LinkAccount) -> dict[str, Any]:
    """What the saved-details step shows: cards (brand, last 4, expiry) and addresses, defaults first.

    Saved bank accounts are left out here: a bank debit settles days later, and the hosted page completes
    a session only on a settled payment; they pay through the API (`payment_method_data[type]=link`)."""
    cards: Sequence[Any] = [d for d in await details.list_details(ctx, account) if d.type == "card"]
    addresses: Sequence[Any] = await details.list_addresses(ctx, account)
    return {
        "payment_details": [
            {k: v for k, v in detail_object(d).items() if k in ("id", "is_default", "nickname", "card")} for d in cards
        ],
        "shipping_addresses": [
            {k: v for k, v in shipping_address_object(a).items() if k in ("id", "is_default", "name", "address")}
            for a in addresses
        ],
    }


@dataclass
class Step:
    """What a step reads from the request besides its body, and the cookies it sets (empty value: delete)."""

    known: str | None
    user_agent: str | None
    cookies: list[tuple[str, str, int]] = field(default_factory=list)
    opt_in: str | None = None  # the mark of an opt-in waiting for 3-D Secure (devices.opt_in_cookie)


StepRun = Callable[[LinkContext, dict[str, Any], Step], Awaitable[dict[str, Any]]]
Opener = Callable[[PaymentContext], Awaitable[Scope | None]]


async def run_step(
    request: Request, run: StepRun, body: dict[str, Any], opener: Opener, *, partitioned: bool = False
) -> JSONResponse:
    """One step in one transaction, in the scope `opener` finds (None: Link is not offered there); a wrong
    code's counters are kept with its error (keep_changes)."""
    user_agent = request.headers.get("user-agent", "")[:200] or None
    step = Step(
        request.cookies.get(devices.KNOWN_COOKIE), user_agent, opt_in=request.cookies.get(devices.OPT_IN_COOKIE)
    )
    kept: LynkError | None = None
    try:
        async with actions.transaction(request) as tx:  # live-mode code sends run once the code is committed
            pctx = payment_context(tx)
            scope = await opener(pctx)
            if scope is None:
                return _answer({"outcome": "error", "message": "Link is not available for this checkout."}, 404)
            ctx = link.context(pctx.session, pctx.keyring, scope, pctx.now, caller_of(request))
            ctx.after_commit = tx.after_commit
            try:
                answer = await run(ctx, body, step)
            except LynkError as error:
                if not error.keep_changes:
                    raise
                kept, answer = error, {}
    except LynkError as error:
        return error_answer(error)
    response = error_answer(kept) if kept is not None else _answer(answer)
    for cookie, value, max_age in step.cookies:
        if value or partitioned:  # "" with max_age 0 deletes (both copies of a partitioned cookie)
            set_link_cookie(request, response, cookie, value, max_age, partitioned=partitioned)
        else:
            response.delete_cookie(cookie, path="/")
    return response


def _session_answer(row: LinkSession, account: LinkAccount, secret: str | None) -> dict[str, Any]:
    verified = row.status == LinkSessionStatus.VERIFIED
    return {
        "outcome": "found",
        "exists": True,
        "verified": verified,
        # Once she proved it's her, her email in full: the linkAuthentication element tells the merchant's page
        # (its `change` event), as a payment would (`receipt_email`, billing details).
        "email": account.email if verified else None,
        "secret": secret,
        "redacted_email": accounts.redact_email(account.email),
        "redacted_phone": accounts.redact_phone(account.phone),
    }


async def _lookup(ctx: LinkContext, body: dict[str, Any], step: Step) -> dict[str, Any]:
    email = text(body, "email", 512)
    found = await (
        sessions.lookup(ctx, email, resume=True) if email else sessions.recognise(ctx, step.known, resume=True)
    )
    if found.browser is not None:
        step.cookies.append((sessions.BROWSER_COOKIE, found.browser, BROWSER_COOKIE_MAX_AGE))
    if found.account is None or found.link_session is None:
        return {"outcome": "not_found", "exists": False}
    answer = _session_answer(found.link_session, found.account, found.secret)
    if answer["verified"]:
        answer["wallet"] = await wallet(ctx, found.account)
        return answer
    if found.code_pending:  # a reload: the code sent before still works, and none is sent again
        answer["code_sent"] = True
        return answer
    try:
        await sessions.start_verification(ctx, found.secret, None)
        answer["code_sent"] = True
    except LynkError as error:  # locked or rate limited: the step shows when to retry
        answer["code_sent"] = False
        answer["message"] = error.message
        answer["retry_after"] = error.extra.get("retry_after")
    return answer


async def _resend(ctx: LinkContext, body: dict[str, Any], step: Step) -> dict[str, Any]:
    cooldown = ctx.settings.link_resend_cooldown_seconds
    row = await sessions.start_verification(ctx, text(body, "secret", 200) or None, None, cooldown=cooldown)
    account = await accounts.get(ctx, row.account_id)
    return {**_session_answer(row, account, None), "outcome": "sent"}


async def _verify(ctx: LinkContext, body: dict[str, Any], step: Step) -> dict[str, Any]:
    code = "".join(ch for ch in text(body, "code", 20) if ch.isdigit())
    row, account = await sessions.confirm_verification(ctx, text(body, "secret", 200) or None, code)
    cookie = await step_up.trust_device(ctx, row, account, step.user_agent) if body.get("remember") is True else None
    if cookie is not None:
        step.cookies.append((devices.DEVICE_COOKIE, cookie, ctx.settings.link_device_trust_days * 86400))
    step.cookies.append((devices.KNOWN_COOKIE, await devices.known_cookie(ctx, account), KNOWN_COOKIE_MAX_AGE))
    return {**_session_answer(row, account, None), "outcome": "verified", "wallet": await wallet(ctx, account)}


async def _forget(ctx: LinkContext, body: dict[str, Any], step: Step) -> dict[str, Any]:
    secret = text(body, "secret", 200)
    if secret:
        with contextlib.suppress(LynkError):  # an expired or foreign session: nothing to end
            await sessions.log_out(ctx, secret)
    step.cookies.append((devices.KNOWN_COOKIE, "", 0))
    return {"outcome": "forgotten"}


STEPS: dict[str, StepRun] = {"lookup": _lookup, "resend": _resend, "verify": _verify, "forget": _forget}


@pages.post("/c/pay/{session_id}/link/{step}")
async def link_step(session_id: str, step: str, request: Request) -> Response:
    if step not in STEPS:
        return _answer({"outcome": "error", "message": "Not found."}, 404)
    body = await read_body(request)
    if body is None:
        return unreadable()

    async def opener(pctx: PaymentContext) -> Scope | None:
        found = await service.get_for_page(pctx, session_id)
        return Scope(found.merchant_id, found.livemode) if found is not None and _link_open(found, pctx.now) else None

    return await run_step(request, STEPS[step], body, opener)


def unreadable() -> JSONResponse:
    return _answer({"outcome": "error", "message": "The request could not be read. Reload the page."}, 400)


async def shipping_choice(ctx: LinkContext, secret: str, address_id: str) -> dict[str, Any] | None:
    """The saved address the shopper chose, as the session's `shipping_details` (`address`, `name`)."""
    if not address_id:
        return None
    account = await sessions.verified_account(ctx, secret)
    for row in await details.list_addresses(ctx, account):
        if row.id == address_id:
            return {"address": row.address, "name": row.name}
    return None


async def card_choice(ctx: LinkContext, secret: str, detail_id: str | None) -> str:
    """The saved card the page pays with: the chosen one, else the default card, else the first card.

    The page lists cards only (see `wallet`): a saved bank account is refused here rather than debited, since
    the page would tell the shopper the payment failed while the debit goes on."""
    account = await sessions.verified_account(ctx, secret)
    if detail_id:
        chosen = await details.get_detail(ctx, account, detail_id, param=grants.DETAIL_PARAM)
        cards = [chosen] if chosen.type == "card" else []
    else:
        saved = [d for d in await details.list_details(ctx, account) if d.type == "card"]
        cards = sorted(saved, key=lambda d: not d.is_default)
    if not cards:
        raise InvalidRequestError(
            "Only a saved card can pay on this page: choose a card, or enter a card's details.",
            param=grants.DETAIL_PARAM,
        )
    return cards[0].id
