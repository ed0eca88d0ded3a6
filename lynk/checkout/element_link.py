"""The elements' Link steps (`POST /elements/link/{step}`): the hosted page's steps (link_steps.py), in
the scope of the PaymentIntent whose client secret the frame holds instead of a Checkout Session's.

The frame sits on the merchant's site, where its cookies are third-party: it proves itself by the client
secret (no other site knows it) and by the browser's own `Sec-Fetch-Site: same-origin` (only Lynk's frame
calls this), not by the hosted page's CSRF cookie. Its Link cookies are partitioned (CHIPS: see
`link_steps.set_link_cookie` and docs/checkout.md, "Recognition").

Two more steps than the hosted page: `enrolled`, after a card payment with the opt-in succeeded, greets this
browser next time (`lynk_known`) when the account was born of that very payment; `opting_in` marks the
browser when that payment first goes to 3-D Secure, so that `enrolled` can greet it once the element shows
the paid intent again.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from lynk.checkout.element import link_offered
from lynk.checkout.link_steps import (
    KNOWN_COOKIE_MAX_AGE,
    STEPS,
    Step,
    StepRun,
    read_body,
    run_step,
    text,
    unreadable,
)
from lynk.checkout.web import csrf_refused, pages
from lynk.core.scope import Scope
from lynk.link import accounts, details, devices
from lynk.link.context import LinkContext
from lynk.models import PaymentIntentStatus
from lynk.payment_methods import service as payment_methods
from lynk.payments import service as payments
from lynk.payments.context import PaymentContext
from lynk.web.csrf import same_origin

_PAID = (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.REQUIRES_CAPTURE)


def _opting_in(client_secret: str) -> StepRun:
    """A card payment with the opt-in waits for 3-D Secure: mark this browser (for `enrolled`, later)."""

    async def run(ctx: LinkContext, body: dict[str, Any], step: Step) -> dict[str, Any]:
        pi = await payments.get_for_client(ctx.session, client_secret.partition("_secret_")[0], client_secret)
        if pi is None or pi.status != PaymentIntentStatus.REQUIRES_ACTION:
            return {"outcome": "not_held"}
        step.cookies.append((devices.OPT_IN_COOKIE, await devices.opt_in_cookie(ctx, pi.id), devices.OPT_IN_MAX_AGE))
        return {"outcome": "held"}

    return run


def _enrolled(client_secret: str) -> StepRun:
    """The payment paid and its opt-in gave birth to an account: greet this browser next time (`lynk_known`).
    The email is the one typed (a payment without a challenge) or, for a browser marked by `opting_in`, the
    payment's billing email; either way the account must be born of this payment (merchant, time, card)."""

    async def run(ctx: LinkContext, body: dict[str, Any], step: Step) -> dict[str, Any]:
        pi = await payments.get_for_client(ctx.session, client_secret.partition("_secret_")[0], client_secret)
        if pi is None or pi.status not in _PAID or pi.payment_method_id is None:
            return {"outcome": "not_enrolled"}
        method = await payment_methods.get(ctx.session, ctx.scope, pi.payment_method_id)
        email = text(body, "email", 512)
        if not email and await devices.opted_in_here(ctx, step.opt_in, pi.id):
            email = (method.billing_details or {}).get("email") or ""
            step.cookies.append((devices.OPT_IN_COOKIE, "", 0))
        account = await accounts.find(ctx, email) if email else None
        fingerprint = (method.card or {}).get("fingerprint")
        if account is None or not fingerprint:
            return {"outcome": "not_enrolled"}
        born_here = (account.signup_merchant_id == pi.merchant_id and account.created >= pi.created) and any(
            d.fingerprint == fingerprint for d in await details.list_details(ctx, account)
        )
        if not born_here:
            return {"outcome": "not_enrolled"}
        step.cookies.append((devices.KNOWN_COOKIE, await devices.known_cookie(ctx, account), KNOWN_COOKIE_MAX_AGE))
        return {"outcome": "enrolled"}

    return run


_OWN_STEPS = {"enrolled": _enrolled, "opting_in": _opting_in}  # any intent status: they follow a payment


@pages.post("/elements/link/{step}", csrf=False)
async def element_link_step(step: str, request: Request) -> Response:
    if step not in STEPS and step not in _OWN_STEPS:
        return JSONResponse({"outcome": "error", "message": "Not found."}, status_code=404)
    if not same_origin(request):
        return csrf_refused(request)
    body = await read_body(request)
    if body is None:
        return unreadable()
    client_secret = text(body, "client_secret", 200)

    async def opener(pctx: PaymentContext) -> Scope | None:
        pi = await payments.get_for_client(pctx.session, client_secret.partition("_secret_")[0], client_secret)
        if pi is None or (step not in _OWN_STEPS and not link_offered(pi)):
            return None
        return Scope(pi.merchant_id, pi.livemode)

    run = _OWN_STEPS[step](client_secret) if step in _OWN_STEPS else STEPS[step]
    return await run_step(request, run, body, opener, partitioned=True)
