"""The hosted checkout page at a Checkout Session's `url` (`/c/pay/{id}`): showing it, and coming back to it.

- `GET /c/pay/{id}`: the order summary, Email, the card form and the Pay button (templates/checkout.html,
  static/checkout.js). A complete session sends the shopper on to `success_url`.
- `GET /c/pay/{id}/return`: where the 3-D Secure page sends the shopper back.
- `GET /c/recover/{id}`: an expired session's recovery URL.

The Pay button's call, `POST /c/pay/{id}/confirm`, is page_confirm.py. The Link steps (email lookup, code,
saved details) are link_steps.py, templates/link_*.html and static/link_steps.js, shown when the session
accepts `link`.
"""

from __future__ import annotations

import hmac
import re

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from lynk.checkout import (
    branding,
    customisation,
    element,
    element_checkout,
    element_link,
    link_steps,
    page_confirm,
    page_fields,
    service,
    setup,
)
from lynk.checkout.web import (
    ELEMENT_HEADERS,
    PAGE_HEADERS,
    STATIC_DIR,
    STATIC_PATH,
    not_found,
    page_context,
    pages,
    render,
)
from lynk.core.errors import LynkError
from lynk.core.money import currency as currency_of
from lynk.core.money import page_locale
from lynk.core.pagination import PageRequest
from lynk.core.scope import Scope
from lynk.link import devices
from lynk.models import CheckoutSession, CheckoutSessionStatus, PaymentIntent, PaymentIntentStatus, SetupIntent
from lynk.payments.context import PaymentContext

router = pages.router
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(element.router)
    assert (  # routes on the shared router
        page_confirm.__name__ and link_steps.__name__ and element_link.__name__ and element_checkout.__name__
    )
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="checkout-static")


def _embedding(session: CheckoutSession, request: Request) -> tuple[bool, str | None]:
    """(allowed, the merchant page's origin): an embedded session's page opens only with its client secret,
    and may then be framed; it tells the framing page (and only that origin) where to go next. A custom
    (Checkout Elements) session has no page: the merchant's own page is its form."""
    shape = customisation.kind(session.ui_mode)
    if shape != "embedded":
        return shape == "hosted", None
    given = request.query_params.get("client_secret", "")
    if session.client_secret is None or not hmac.compare_digest(given, session.client_secret):
        return False, None
    origin = request.query_params.get("origin", "")
    return True, origin if _ORIGIN.fullmatch(origin) else None


def _locale(request: Request, session: CheckoutSession) -> str | None:
    """The locale amounts are shown in: the session's `locale`, else the browser's language."""
    return page_locale(customisation.wants(session, "locale"), request.headers.get("accept-language"))


async def _done_page(request: Request, ctx: PaymentContext, session: CheckoutSession) -> Response:
    """The shop's `success_url`, or Lynk's own page: the merchant's name and brand, and the amount paid."""
    target = customisation.completion_url(session)
    if target is not None:
        return RedirectResponse(target, status_code=303)
    brand = await branding.of(ctx.session, session.merchant_id)
    if session.mode == "setup":
        message = f"Your card is saved with {brand.name}."
    else:
        paid = currency_of(session.currency).display(session.amount_total, _locale(request, session))
        message = f"Thank you: your payment of {paid} to {brand.name} went through."
    return render(
        request,
        "message.html",
        title="Payment complete" if session.mode != "setup" else "Card saved",
        message=message,
        link=None,
        headers=branding.headers(brand, PAGE_HEADERS),
        **branding.values(brand, session.merchant_id),
    )


def _expired_page(request: Request, session: CheckoutSession) -> Response:
    link = {"href": session.cancel_url, "text": "Return to the shop"} if session.cancel_url else None
    return render(
        request, "message.html", status=410, title="Checkout expired", message="This checkout has expired.", link=link
    )


_AUTHENTICATION_FAILED = ("payment_intent_authentication_failure", "setup_intent_authentication_failure")


async def _last_error(ctx: PaymentContext, session: CheckoutSession) -> str | None:
    """The message of the last failed attempt (a failed 3-D Secure, on return), while it is to be fixed."""
    intent: PaymentIntent | SetupIntent
    if session.setup_intent_id is not None:
        intent = await setup.intent_of(ctx, session)
        given = intent.last_setup_error
    else:
        intent = await service.intent_of(ctx, session)
        given = intent.last_payment_error
    if intent.status != PaymentIntentStatus.REQUIRES_PAYMENT_METHOD or not given:
        return None
    if given.get("code") in _AUTHENTICATION_FAILED:  # the API's text is for developers ("Provide a new…")
        return "We couldn't verify your card. Try again or use another card."
    message = given.get("message")
    return f"{message} Try another card." if isinstance(message, str) else None


@pages.get("/c/pay/{session_id}")
async def checkout_page(session_id: str, request: Request) -> Response:
    async with page_context(request) as ctx:
        session = await service.get_for_page(ctx, session_id, for_update=True)
        if session is None:
            return not_found(request)
        allowed, parent_origin = _embedding(session, request)
        embedded = customisation.kind(session.ui_mode) == "embedded"
        if not allowed:
            return not_found(request)
        ctx.scope = Scope(session.merchant_id, session.livemode)
        await service.refresh(ctx, session)
        if session.status == CheckoutSessionStatus.COMPLETE:
            return await _done_page(request, ctx, session)
        if session.status == CheckoutSessionStatus.EXPIRED or session.expires_at <= ctx.now:
            return _expired_page(request, session)
        lines = await service.line_items(ctx, session, PageRequest(limit=100))
        money, locale = currency_of(session.currency), _locale(request, session)
        error = await _last_error(ctx, session)
        brand = await branding.of(ctx.session, session.merchant_id)
        response = render(
            request,
            "checkout.html",
            csrf=True,
            session_id=session.id,
            email=(session.customer_details or {}).get("email") or session.customer_email or "",
            email_locked=session.customer_email is not None,
            items=[
                {
                    "name": item.description,
                    "quantity": item.quantity,
                    "amount": money.display(item.amount_total, locale),
                }
                for item in lines.items
            ],
            total=money.display(session.amount_total, locale),
            cancel_url=session.cancel_url,
            livemode=session.livemode,
            error=error,
            # Link's steps keep the shopper's browser binding in a cookie, which a framed page doesn't get.
            link_enabled="link" in session.payment_method_types and session.mode == "payment" and not embedded,
            setup_mode=session.mode == "setup",
            link_known=devices.KNOWN_COOKIE in request.cookies,
            parent_origin=parent_origin,
            headers=branding.headers(brand, ELEMENT_HEADERS if embedded else PAGE_HEADERS),
            **branding.values(brand, session.merchant_id),
            client_secret=session.client_secret if embedded else None,
            **page_fields.template_values(session),
            phone_countries=link_steps.PHONE_COUNTRIES,
            phone_country=link_steps.phone_country(session.customer_details),
        )
    return response


@pages.get("/c/recover/{session_id}")
async def recover_session(session_id: str, request: Request) -> Response:
    """An expired session's recovery URL (`after_expiration[recovery]`): a new session, and its page."""
    async with page_context(request) as ctx:
        old = await service.get_for_page(ctx, session_id)
        if old is None:
            return not_found(request)
        ctx.scope = Scope(old.merchant_id, old.livemode)
        try:
            new = await service.recover(ctx, old)
        except LynkError:
            return not_found(request, "This checkout can no longer be recovered.")
    return RedirectResponse(f"/c/pay/{new.id}", status_code=303)


@pages.get("/c/pay/{session_id}/return")
async def after_authentication(session_id: str, request: Request) -> Response:
    async with page_context(request) as ctx:
        session = await service.get_for_page(ctx, session_id, for_update=True)
        if session is None:
            return not_found(request)
        ctx.scope = Scope(session.merchant_id, session.livemode)
        await service.refresh(ctx, session)
        if customisation.kind(session.ui_mode) == "custom":
            # The merchant's page has the form: back to its return_url, paid or not (it asks the session how it went).
            return RedirectResponse(customisation.completion_url(session) or "/", status_code=303)
        if session.status == CheckoutSessionStatus.COMPLETE:
            done = await _done_page(request, ctx, session)
            page_confirm.set_cookies(request, done, await page_confirm.opted_in(request, ctx, session))
            return done
    return RedirectResponse(f"/c/pay/{session.id}", status_code=303)
