"""Lynk's 3-D Secure challenge page: where `next_action.redirect_to_url` sends the shopper, for a
PaymentIntent (`/3ds/pi_…`) or a SetupIntent (`/3ds/seti_…`).

The page proves access with the intent's client secret (no API key: the shopper's browser has
none). "Complete authentication" resumes the payment or the setup, "Fail authentication" fails the
attempt; either way the shopper is sent back to the `return_url` with the intent's id, client
secret and outcome in the query (`payment_intent`, `payment_intent_client_secret` and
`redirect_status`, or `setup_intent`, `setup_intent_client_secret` and `redirect_status`), as Stripe
does.

It serves test mode only: a live intent is "not valid" here, whatever its secret (live 3-D Secure
happens on the processor's own page).
"""

from __future__ import annotations

import hmac
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.clock import unix
from lynk.core.errors import LynkError
from lynk.core.money import currency as currency_of
from lynk.core.money import page_locale
from lynk.core.scope import Scope
from lynk.link import service as link
from lynk.merchants import service as merchants
from lynk.merchants.branding import Branding
from lynk.models import PaymentIntent, SetupIntent
from lynk.payment_methods import service as payment_methods
from lynk.payments import confirm as payment_confirm
from lynk.payments import context, repository
from lynk.payments.setup_intents import confirm as setup_confirm
from lynk.payments.setup_intents import service as setup_intents
from lynk.runtime import Runtime
from lynk.vault import service as vault
from lynk.wire.forms import decode_form

router = APIRouter(include_in_schema=False)
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self' *; frame-ancestors 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

Intent = PaymentIntent | SetupIntent


def _not_found() -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Not found</title><p>This payment link is not valid.</p>", 404)


def _problem_page(message: str, status_code: int) -> HTMLResponse:
    html = _templates.get_template("challenge_problem.html").render(message=message)
    return HTMLResponse(html, status_code=status_code, headers=_SECURITY_HEADERS)


def _problem(error: LynkError) -> HTMLResponse:
    return _problem_page(error.message, error.http_status)


def _stale() -> HTMLResponse:
    return _problem_page("This authentication is no longer valid: the payment changed since this page was opened.", 409)


async def _intent(session: AsyncSession, intent_id: str, client_secret: str, *, for_update: bool) -> Intent | None:
    """The PaymentIntent or SetupIntent behind the link, if the client secret proves access to it."""
    intent: Intent | None
    if intent_id.startswith("seti_"):
        intent = await setup_intents.get_for_page(session, intent_id, for_update=for_update)
    else:
        intent = await repository.get_intent_by_id(session, intent_id, for_update=for_update)
    if intent is None or not client_secret or not hmac.compare_digest(intent.client_secret, client_secret):
        return None
    if intent.livemode:  # live 3-D Secure happens on the processor's page, never on this self-service one
        return None
    return intent


def redirect_status(status: str) -> str:
    """Stripe's `redirect_status` for an intent's status once the shopper is sent back: the attempt
    failed (back to `requires_payment_method`, or canceled), is still `processing`, or succeeded
    (including an authorization awaiting capture)."""
    if status in ("requires_payment_method", "canceled"):
        return "failed"
    return "processing" if status == "processing" else "succeeded"


async def _last4(runtime: Runtime, session: AsyncSession, intent: Intent) -> str:
    """The last 4 digits of the card being authenticated: a card method's own, or for a `link` method
    the saved Link card it charges (the merchant's method holds no card)."""
    if not intent.payment_method_id:
        return "????"
    scope = Scope(intent.merchant_id, intent.livemode)
    method = await payment_methods.get(session, scope, intent.payment_method_id)
    if method.card:
        return str(method.card.get("last4", "????"))
    if method.type == "link":
        vault_card_id, _country = await link.vault_card_for(
            session, runtime.keyring, scope, unix(runtime.clock), method.id
        )
        facts = await vault.card_facts(session, vault_card_id)
        return facts.last4 if facts else "????"
    return "????"


@router.get("/3ds/{intent_id}")
async def challenge_page(intent_id: str, request: Request, client_secret: str = "") -> Response:
    runtime: Runtime = request.app.state.runtime
    async with runtime.db.transaction(write=False) as session:
        intent = await _intent(session, intent_id, client_secret, for_update=False)
        if intent is None:
            return _not_found()
        last4 = await _last4(runtime, session, intent)
        brand = await merchants.branding(session, intent.merchant_id)
    if isinstance(intent, PaymentIntent):
        locale = page_locale(None, request.headers.get("accept-language"))
        amount = currency_of(intent.currency).display(intent.amount, locale)
        heading, purpose = "Authenticate your payment", f"confirm this payment of {amount} to {brand.name}"
    else:
        heading = "Authenticate your card"
        purpose = f"confirm that {brand.name} may save your card for future payments"
    html = _templates.get_template("challenge.html").render(
        heading=heading,
        purpose=purpose,
        pending=intent.status == "requires_action",
        status=intent.status,
        last4=last4,
        intent_id=intent.id,
        client_secret=client_secret,
        attempt=intent.attempts,
        brand=brand,
    )
    return HTMLResponse(html, headers=_headers(brand))


def _headers(brand: Branding) -> dict[str, str]:
    """The page's headers, its images also from the merchant's logo's own origin (exactly that one)."""
    if not brand.image_origins:
        return _SECURITY_HEADERS
    policy = _SECURITY_HEADERS["Content-Security-Policy"].replace(
        "img-src ", f"img-src {' '.join(brand.image_origins)} "
    )
    return {**_SECURITY_HEADERS, "Content-Security-Policy": policy}


@router.post("/3ds/{intent_id}")
async def challenge_answer(intent_id: str, request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        form = decode_form(await request.body())
    except LynkError:
        return _not_found()
    client_secret, outcome = form.get("client_secret"), form.get("outcome")
    if not isinstance(client_secret, str) or outcome not in ("complete", "fail"):
        return _not_found()
    try:
        # In atomic phases (`payments.attempts`): the processor is called with no transaction open.
        async with runtime.db.phases() as session:
            intent = await _intent(session, intent_id, client_secret, for_update=True)
            if intent is None:
                return _not_found()
            attempt = form.get("attempt")
            if attempt is not None and attempt != str(intent.attempts):
                return _stale()  # a page of an earlier challenge: what it showed is not what is asked now
            if intent.status == "requires_action":
                scope = Scope(intent.merchant_id, intent.livemode)
                ctx = context.build(runtime, session, scope, unix(runtime.clock), client=context.client_of(request))
                if isinstance(intent, PaymentIntent):
                    await payment_confirm.complete_authentication(ctx, intent, succeeded=outcome == "complete")
                else:
                    await setup_confirm.complete_authentication(ctx, intent, succeeded=outcome == "complete")
            return_url = intent.return_url
    except LynkError as error:  # the last phase rolled back (a processor that did not answer: the intent
        # went back to `requires_action`, its attempt kept for the next try): say why, never a 500
        return _problem(error)
    if not return_url:
        return RedirectResponse(f"/3ds/{intent_id}?client_secret={client_secret}", status_code=303)
    name = "payment_intent" if isinstance(intent, PaymentIntent) else "setup_intent"
    return RedirectResponse(back_to(return_url, name, intent_id, client_secret, intent.status), status_code=303)


def back_to(return_url: str, name: str, intent_id: str, client_secret: str, status: str) -> str:
    """The merchant's `return_url` with the intent's id, client secret and `redirect_status`, as Stripe does."""
    parts = urlsplit(return_url)
    outcome = redirect_status(status)
    extra = urlencode({name: intent_id, f"{name}_client_secret": client_secret, "redirect_status": outcome})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))
