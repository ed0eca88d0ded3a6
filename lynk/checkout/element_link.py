"""The elements' Link steps (`POST /elements/link/{step}`): the hosted page's steps (link_steps.py), in
the scope of the PaymentIntent whose client secret the frame holds instead of a Checkout Session's.

The frame sits on the merchant's site, where its cookies are third-party: it proves itself by the client
secret (no other site knows it) and by the browser's own `Sec-Fetch-Site: same-origin` (only Lynk's frame
calls this), not by the hosted page's CSRF cookie. Its Link cookies are partitioned (CHIPS: see
`link_steps.set_link_cookie` and docs/checkout.md, "Recognition").

One more step than the hosted page: `enrolled`, after a card payment with the opt-in succeeded, greets this
browser next time (`lynk_known`) when the account was born of that very payment.
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


def _enrolled(client_secret: str) -> StepRun:
    async def run(ctx: LinkContext, body: dict[str, Any], step: Step) -> dict[str, Any]:
        pi = await payments.get_for_client(ctx.session, client_secret.partition("_secret_")[0], client_secret)
        account = await accounts.find(ctx, text(body, "email", 512))
        if pi is None or pi.status not in _PAID or pi.payment_method_id is None or account is None:
            return {"outcome": "not_enrolled"}
        method = await payment_methods.get(ctx.session, ctx.scope, pi.payment_method_id)
        fingerprint = (method.card or {}).get("fingerprint")
        born_here = (account.signup_merchant_id == pi.merchant_id and account.created >= pi.created) and any(
            d.fingerprint == fingerprint for d in await details.list_details(ctx, account)
        )
        if not fingerprint or not born_here:
            return {"outcome": "not_enrolled"}
        step.cookies.append((devices.KNOWN_COOKIE, await devices.known_cookie(ctx, account), KNOWN_COOKIE_MAX_AGE))
        return {"outcome": "enrolled"}

    return run


@pages.post("/elements/link/{step}", csrf=False)
async def element_link_step(step: str, request: Request) -> Response:
    if step not in STEPS and step != "enrolled":
        return JSONResponse({"outcome": "error", "message": "Not found."}, status_code=404)
    if not same_origin(request):
        return csrf_refused(request)
    body = await read_body(request)
    if body is None:
        return unreadable()
    client_secret = text(body, "client_secret", 200)

    async def opener(pctx: PaymentContext) -> Scope | None:
        pi = await payments.get_for_client(pctx.session, client_secret.partition("_secret_")[0], client_secret)
        if pi is None or (step != "enrolled" and not link_offered(pi)):
            return None
        return Scope(pi.merchant_id, pi.livemode)

    run = _enrolled(client_secret) if step == "enrolled" else STEPS[step]
    return await run_step(request, run, body, opener, partitioned=True)
