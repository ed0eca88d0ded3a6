"""The hosted checkout page's Pay button: `POST /c/pay/{id}/confirm`, and the Link opt-in's cookies.

The page's own JSON call (CSRF-checked; an embedded session's frame proves itself by its client secret):
pay with the card (with the Link opt-in, `link_signup`, when ticked) or with a saved Link detail
(`payment_method_data[type]=link`), answer `succeeded` (go to `success_url`), `requires_action` (go to
the 3-D Secure page) or `error` (a message for the shopper, who may try another card). The payment runs
`once_in_turn` under the page's attempt key, so a second click replays or waits.

An opt-in that needs 3-D Secure first leaves a mark (`lynk_opt_in`); the page's return (pages.py) spends it
with `opted_in`, giving the browser the `lynk_known` cookie a payment without a challenge gets at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from lynk.checkout import customisation, link_steps, page_fields, paying, service
from lynk.checkout.web import (
    CSRF,
    SECRET_HEADER,
    csrf_refused,
    embedded_secret_ok,
    page_context,
    pages,
    payment_context,
)
from lynk.core.errors import IdempotencyError, IdempotencyKeyInUse, InvalidRequestError, LynkError
from lynk.core.scope import Scope
from lynk.link import accounts, devices
from lynk.link import service as link
from lynk.link.accounts import Signup
from lynk.link.errors import StepUpRequired
from lynk.models import CheckoutSession, CheckoutSessionStatus, PaymentIntent, PaymentIntentStatus, SetupIntent
from lynk.payment_methods.service import CardInput
from lynk.payments.context import ClientInfo, PaymentContext, client_of
from lynk.payments.errors import AttemptInFlight, PaymentDeclined
from lynk.payments.setup_intents.errors import SetupDeclined
from lynk.web import actions

KNOWN_MAX_AGE = link_steps.KNOWN_COOKIE_MAX_AGE

_EXPIRATION = re.compile(r"^\s*(\d{1,2})\s*/?\s*(\d{2}|\d{4})\s*$")
_FIELD_OF_PARAM = {
    "card[number]": "number",
    "card[exp_month]": "expiration",
    "card[exp_year]": "expiration",
    "card[cvc]": "cvc",
    "payment_method_data[card][number]": "number",
    "payment_method_data[card][exp_month]": "expiration",
    "payment_method_data[card][exp_year]": "expiration",
    "payment_method_data[card][cvc]": "cvc",
    "link_signup[phone]": "phone",
    "link_signup[email]": "email",
}


def _error(message: str, param: str | None, status: int = 400) -> JSONResponse:
    return JSONResponse({"outcome": "error", "message": message, "param": param}, status_code=status)


def _card_input(body: dict[str, Any]) -> CardInput | JSONResponse:
    number = str(body.get("number") or "").replace(" ", "")
    if not number:
        return _error("Your card number is incomplete.", "number")
    match = _EXPIRATION.match(str(body.get("expiration") or ""))
    if match is None:
        return _error("Your card's expiration date is incomplete.", "expiration")
    month, year = int(match.group(1)), int(match.group(2))
    cvc = str(body.get("cvc") or "").strip()
    if not cvc:
        return _error("Your card's security code is incomplete.", "cvc")
    return CardInput(number=number[:40], exp_month=month, exp_year=year + 2000 if year < 100 else year, cvc=cvc[:8])


def _text(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


Payer = Callable[[PaymentContext, CheckoutSession, str, page_fields.Collected], Awaitable[PaymentIntent | SetupIntent]]


def _link_payer(request: Request, given: dict[str, Any]) -> Payer:
    """Pay with the chosen saved detail of the shopper's verified Link session (`payment_method_data[type]=link`)."""
    secret = link_steps.text(given, "secret", 200)
    detail = link_steps.text(given, "payment_detail", 64) or None
    address = link_steps.text(given, "shipping_address", 64)
    caller = link_steps.caller_of(request)

    async def pay(
        ctx: PaymentContext, session: CheckoutSession, return_url: str, asked: page_fields.Collected
    ) -> PaymentIntent | SetupIntent:
        if session.mode == "setup":  # the page offers Link only to pay (a setup session has no PaymentIntent)
            raise InvalidRequestError("Link is not available for this checkout.")
        lctx = link.context(ctx.session, ctx.keyring, ctx.scope, ctx.now, caller)
        shipping = await link_steps.shipping_choice(lctx, secret, address)
        card = await link_steps.card_choice(lctx, secret, detail)  # refuses a bank account, see card_choice
        payment = link.LinkPayment(
            consumer_session_client_secret=secret, payment_detail=card, caller=caller, cards_only=True
        )
        return await paying.pay_with_link(ctx, session, payment, return_url=return_url, shipping=shipping, asked=asked)

    return pay


Cookies = list[tuple[str, str, int]]  # (name, value, max_age) of the Link cookies an answer sets; "" deletes


def _card_payer(request: Request, body: dict[str, Any], email: str, cookies: Cookies) -> Payer | JSONResponse:
    """Pay with the typed card; with the opt-in ticked, a Link account is born once the payment succeeds."""
    card = _card_input(body)
    if isinstance(card, JSONResponse):
        return card
    name = _text(body, "name", 200) or None
    signup = None
    if body.get("save_link") is True:
        phone = _text(body, "phone", 40)
        if not phone:
            return _error("Enter your phone number to save your information.", "phone")
        country = _text(body, "country", 2).upper() or None  # reads a national number ("(415) 555-0103")
        signup = link.LinkSignup(Signup(email, phone, name, country), link_steps.caller_of(request))

    async def pay(
        ctx: PaymentContext, session: CheckoutSession, return_url: str, asked: page_fields.Collected
    ) -> PaymentIntent | SetupIntent:
        if session.mode == "setup":
            return await paying.save_card(ctx, session, card, email=email, name=name, return_url=return_url)
        pi = await paying.pay_with_card(
            ctx, session, card, email=email, name=name, return_url=return_url, link_signup=signup, asked=asked
        )
        if signup is None:
            return pi
        lctx = link.context(ctx.session, ctx.keyring, ctx.scope, ctx.now, signup.caller)
        if session.status == CheckoutSessionStatus.COMPLETE:
            account = await accounts.find(lctx, email)
            if account is not None:  # greet this browser at the next Link checkout (a code is still needed)
                cookies.append((devices.KNOWN_COOKIE, await devices.known_cookie(lctx, account), KNOWN_MAX_AGE))
        elif pi.status == PaymentIntentStatus.REQUIRES_ACTION:  # the account is born after the challenge
            mark = await devices.opt_in_cookie(lctx, session.id)
            cookies.append((devices.OPT_IN_COOKIE, mark, devices.OPT_IN_MAX_AGE))
        return pi

    return pay


# CSRF is checked here, not by the router: an embedded session's frame proves itself by its client secret.
@pages.post("/c/pay/{session_id}/confirm", csrf=False)
async def confirm_payment(session_id: str, request: Request) -> Response:
    refused = None if CSRF.passes(request, None) else csrf_refused(request)
    if refused is not None and SECRET_HEADER not in request.headers:
        return refused  # else answered once the session is known (an embedded one proves itself by its secret)
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        return _error("The request could not be read. Reload the page and try again.", None)
    cookies: Cookies = []
    given_link = body.get("link")
    if isinstance(given_link, dict):
        payer: Payer | JSONResponse = _link_payer(request, given_link)
    else:
        email = _text(body, "email", 512)
        if "@" not in email or len(email) < 3:
            return _error("Enter a valid email address.", "email")
        payer = _card_payer(request, body, email, cookies)
    if isinstance(payer, JSONResponse):
        return payer
    attempt = request.headers.get("idempotency-key", "")
    if not 8 <= len(attempt) <= 100:
        return _error("This page is out of date. Reload it and try again.", None)
    async with page_context(request, write=False) as ctx:
        found = await service.get_for_page(ctx, session_id)
    if found is None:
        return refused or _error("This checkout link is not valid.", None, 404)
    shape = customisation.kind(found.ui_mode)
    if shape == "custom":  # paid through the payment element on the merchant's page, never this form
        return _error("This checkout link is not valid.", None, 404)
    if refused is not None and not (shape == "embedded" and embedded_secret_ok(request, found.client_secret)):
        return refused
    try:
        asked = page_fields.collect(found, body)
    except page_fields.FieldMissing as missing:
        return _error(missing.message, missing.field)
    key = f"checkout_page:{found.id}:{attempt}"
    try:
        status, answer = await actions.once_in_turn(
            request,
            Scope(found.merchant_id, found.livemode),
            key,
            {"attempt": attempt},
            lambda tx: _pay(tx, session_id, payer, asked, client_of(request)),
        )
    except (IdempotencyKeyInUse, IdempotencyError, AttemptInFlight):
        return _error("This payment is already being processed.", None, 409)
    except LynkError as error:  # nothing was done (the key is released): another try runs again
        if isinstance(error, StepUpRequired):  # the Link steps ask for a new code, then pay again
            return JSONResponse({"outcome": "step_up", "message": error.message, "param": None}, status_code=403)
        code = error.http_status if error.http_status >= 500 else 400
        return _error(error.message, _FIELD_OF_PARAM.get(error.param or ""), code)
    response = Response(answer, status, media_type="application/json")
    set_cookies(request, response, cookies)
    return response


def set_cookies(request: Request, response: Response, cookies: Cookies) -> None:
    for name, value, max_age in cookies:
        if value:
            link_steps.set_link_cookie(request, response, name, value, max_age)
        else:
            response.delete_cookie(name, path="/")


async def _pay(
    tx: actions.PageTx, session_id: str, payer: Payer, asked: page_fields.Collected, client: ClientInfo
) -> tuple[int, bytes]:
    """Pay in the action's one transaction; its answer is stored under the attempt's key (a retry replays it)."""
    ctx = payment_context(tx)
    ctx.client = client  # the shopper's browser: Radar reads its IP address and device
    session = await service.get_for_page(ctx, session_id, for_update=True)
    assert session is not None, "sessions are never deleted"
    ctx.scope = Scope(session.merchant_id, session.livemode)
    return_url = f"{ctx.public_url.rstrip('/')}/c/pay/{session.id}/return"
    try:
        pi = await payer(ctx, session, return_url, asked)
    except (PaymentDeclined, SetupDeclined) as declined:
        return 402, json.dumps(
            {"outcome": "error", "message": declined.message, "param": None, "declined": True}
        ).encode()
    return 200, json.dumps(_outcome(session, pi.status, pi.next_action)).encode()


def _outcome(session: CheckoutSession, status: str, next_action: dict[str, Any] | None) -> dict[str, Any]:
    if session.status == CheckoutSessionStatus.COMPLETE:
        return {"outcome": "succeeded", "redirect": customisation.completion_url(session) or f"/c/pay/{session.id}"}
    if status == PaymentIntentStatus.REQUIRES_ACTION and next_action:
        return {"outcome": "requires_action", "redirect": next_action["redirect_to_url"]["url"]}
    return {"outcome": "error", "message": "The payment could not be completed. Try again.", "param": None}


async def opted_in(request: Request, ctx: PaymentContext, session: CheckoutSession) -> Cookies:
    """Back from 3-D Secure at a session this browser opted in at: `lynk_known` for the account the
    payment gave birth to (as an opt-in without a challenge gets it), and the mark is spent."""
    mark = request.cookies.get(devices.OPT_IN_COOKIE)
    if mark is None:
        return []
    lctx = link.context(ctx.session, ctx.keyring, ctx.scope, ctx.now, link_steps.caller_of(request))
    email = (session.customer_details or {}).get("email") or session.customer_email
    account = await accounts.find(lctx, email) if email else None
    if account is None or not await devices.opted_in_here(lctx, mark, session.id):
        return [(devices.OPT_IN_COOKIE, "", 0)]
    return [
        (devices.KNOWN_COOKIE, await devices.known_cookie(lctx, account), KNOWN_MAX_AGE),
        (devices.OPT_IN_COOKIE, "", 0),
    ]
