"""Lynk's 3-D Secure challenge page: where `next_action.redirect_to_url` sends the shopper.

The page proves access with the PaymentIntent's client secret (no API key: the shopper's
browser has none). "Complete authentication" resumes the payment, "Fail authentication"
fails the attempt; either way the shopper is sent back to the `return_url` with
`payment_intent` and `payment_intent_client_secret` in the query, as Stripe does.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from lynk.core.clock import unix
from lynk.core.errors import LynkError
from lynk.core.money import currency as currency_of
from lynk.core.scope import Scope
from lynk.models import PaymentIntentStatus
from lynk.payment_methods import service as payment_methods
from lynk.payments import repository
from lynk.payments.confirm import complete_authentication
from lynk.payments.context import PaymentContext, configured
from lynk.payments.errors import ClientSecretMismatch
from lynk.payments.service import check_client_secret
from lynk.wire.forms import decode_form
from lynk.wire.routing import Runtime

router = APIRouter(include_in_schema=False)
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' *; "
    "frame-ancestors 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _not_found() -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Not found</title><p>This payment link is not valid.</p>", 404)


@router.get("/3ds/{payment_intent_id}")
async def challenge_page(payment_intent_id: str, request: Request, client_secret: str = "") -> Response:
    runtime: Runtime = request.app.state.runtime
    async with runtime.db.transaction(write=False) as session:
        pi = await repository.get_intent_by_id(session, payment_intent_id)
        if pi is None or not client_secret:
            return _not_found()
        try:
            check_client_secret(pi, client_secret)
        except ClientSecretMismatch:
            return _not_found()
        last4 = "????"
        if pi.payment_method_id:
            method = await payment_methods.get(session, Scope(pi.merchant_id, pi.livemode), pi.payment_method_id)
            last4 = (method.card or {}).get("last4", last4)
    html = _templates.get_template("challenge.html").render(
        pending=pi.status == PaymentIntentStatus.REQUIRES_ACTION,
        status=pi.status,
        amount=currency_of(pi.currency).format(pi.amount),
        currency=pi.currency.upper(),
        last4=last4,
        payment_intent=pi.id,
        client_secret=client_secret,
    )
    return HTMLResponse(html, headers=_SECURITY_HEADERS)


@router.post("/3ds/{payment_intent_id}")
async def challenge_answer(payment_intent_id: str, request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        form = decode_form(await request.body())
    except LynkError:
        return _not_found()
    client_secret, outcome = form.get("client_secret"), form.get("outcome")
    if not isinstance(client_secret, str) or outcome not in ("complete", "fail"):
        return _not_found()
    async with runtime.db.transaction() as session:
        pi = await repository.get_intent_by_id(session, payment_intent_id, for_update=True)
        if pi is None:
            return _not_found()
        try:
            check_client_secret(pi, client_secret)
        except ClientSecretMismatch:
            return _not_found()
        if pi.status == PaymentIntentStatus.REQUIRES_ACTION:
            ctx = PaymentContext(
                session=session,
                scope=Scope(pi.merchant_id, pi.livemode),
                keyring=runtime.keyring,
                connector=runtime.connector,
                now=unix(runtime.clock),
                **configured(runtime.settings),
            )
            await complete_authentication(ctx, pi, succeeded=outcome == "complete")
        return_url = pi.return_url
    if not return_url:
        return RedirectResponse(f"/3ds/{payment_intent_id}?client_secret={client_secret}", status_code=303)
    parts = urlsplit(return_url)
    extra = urlencode({"payment_intent": payment_intent_id, "payment_intent_client_secret": client_secret})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=303)
