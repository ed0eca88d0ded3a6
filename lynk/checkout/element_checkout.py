"""Checkout Elements: a Checkout Session of `ui_mode=custom` (Stripe's newer name: `elements`) paid on the
merchant's own page with `lynk.initCheckout` and the payment element.

The merchant's page never calls Lynk itself (Lynk serves no cross-origin API to pages): `lynk.js` frames
`/elements/checkout`, a hidden page on Lynk's origin that holds the session's client secret, hands the page
what `getSession()` shows (amounts, lines, email, status) and the session's PaymentIntent client secret (for
the payment element, the same frame as `lynk.elements()` mounts), and answers `updateEmail` through
`POST /elements/checkout/email`. Confirming is the payment element's confirm of that PaymentIntent; then the
browser goes through `/c/pay/{id}/return` (pages.py), which completes the session and sends it on to
`return_url`, with or without a 3-D Secure challenge in between.
"""

from __future__ import annotations

import hmac
import json
import re
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from lynk.checkout import branding, customisation, service
from lynk.checkout.element import origin_of
from lynk.checkout.link_steps import read_body, text
from lynk.checkout.web import ELEMENT_HEADERS, csrf_refused, page_context, pages, render
from lynk.core.money import currency as currency_of
from lynk.core.money import page_locale
from lynk.core.pagination import PageRequest
from lynk.core.scope import Scope
from lynk.models import CheckoutLineItem, CheckoutSession, CheckoutSessionStatus, PaymentIntent, PaymentIntentStatus
from lynk.payments.context import PaymentContext
from lynk.web.csrf import same_origin

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NOT_SET_UP = "This checkout is not set up correctly."


async def _custom_session(
    ctx: PaymentContext, client_secret: str, *, for_update: bool = False
) -> CheckoutSession | None:
    """The custom session whose client secret this is (its scope set on `ctx`), or None."""
    session_id = client_secret.partition("_secret_")[0]
    if not session_id.startswith(("cs_test_", "cs_live_")):
        return None
    found = await service.get_for_page(ctx, session_id, for_update=for_update)
    if found is None or found.client_secret is None or customisation.kind(found.ui_mode) != "custom":
        return None
    if not hmac.compare_digest(found.client_secret, client_secret):
        return None
    ctx.scope = Scope(found.merchant_id, found.livemode)
    return found


def _email_of(session: CheckoutSession) -> str | None:
    return (session.customer_details or {}).get("email") or session.customer_email


def session_info(
    session: CheckoutSession,
    lines: list[CheckoutLineItem],
    pi: PaymentIntent,
    *,
    locale: str | None,
    business_name: str,
) -> dict[str, Any]:
    """What `getSession()` gives the merchant's page, in Stripe.js's names: each amount as integer minor units
    and as text for people (by the locale's rules). No discounts, tax or shipping in Lynk: those are zero."""
    money = currency_of(session.currency)

    def amount(minor: int) -> dict[str, Any]:
        return {"minorUnitsAmount": minor, "amount": money.display(minor, locale)}

    zero = amount(0)
    error = pi.last_payment_error if pi.status == PaymentIntentStatus.REQUIRES_PAYMENT_METHOD else None
    status: dict[str, Any] = {"type": str(session.status)}
    if session.status == CheckoutSessionStatus.COMPLETE:
        status["paymentStatus"] = str(session.payment_status)
    return {
        "id": session.id,
        "businessName": business_name,
        "canConfirm": session.status == CheckoutSessionStatus.OPEN,
        "currency": session.currency,
        "email": _email_of(session),
        "lastPaymentError": {"message": error["message"]} if error and error.get("message") else None,
        "lineItems": [
            {
                "id": line.id,
                "name": line.description,
                "description": None,
                "quantity": line.quantity,
                "unitAmount": amount(line.unit_amount),
                "subtotal": amount(line.amount_total),
                "total": amount(line.amount_total),
                "discount": zero,
                "taxExclusive": zero,
                "taxInclusive": zero,
                "priceId": line.price_id,
                "images": [],
                "recurring": None,
                "isRemovable": False,
            }
            for line in lines
        ],
        "livemode": session.livemode,
        "minorUnitsAmountDivisor": 10**money.exponent,
        "phoneNumber": None,
        "billingAddress": None,
        "shippingAddress": None,
        "shipping": None,
        "shippingOptions": [],
        "status": status,
        "tax": {"status": "ready"},
        "total": {
            "subtotal": amount(session.amount_subtotal),
            "total": amount(session.amount_total),
            "discount": zero,
            "shippingRate": zero,
            "taxExclusive": zero,
            "taxInclusive": zero,
            "appliedBalance": zero,
            "surcharge": zero,
            "balanceAppliedToNextInvoice": False,
        },
    }


async def _info(ctx: PaymentContext, request: Request, session: CheckoutSession) -> tuple[dict[str, Any], str]:
    """The session as the page sees it, and its PaymentIntent's client secret (for the payment element)."""
    lines = (await service.line_items(ctx, session, PageRequest(limit=100))).items
    pi = await service.intent_of(ctx, session)
    brand = await branding.of(ctx.session, session.merchant_id)
    locale = page_locale(customisation.wants(session, "locale"), request.headers.get("accept-language"))
    return session_info(session, list(lines), pi, locale=locale, business_name=brand.name), pi.client_secret


@pages.get("/elements/checkout")
async def checkout_bridge(request: Request) -> Response:
    """The hidden frame `initCheckout` talks to. A bad setup still answers the page (`data-error`), so that
    `loadActions()` resolves with an error instead of waiting for ever."""
    query = request.query_params
    parent = origin_of(query.get("origin", ""))
    key, client_secret = query.get("key", ""), query.get("client_secret", "")
    found: tuple[dict[str, Any], str] | None = None
    if parent is not None and key.startswith(("pk_test_", "pk_live_")):
        async with page_context(request, write=False) as ctx:
            session = await _custom_session(ctx, client_secret)
            if session is not None:
                found = await _info(ctx, request, session)
    return render(
        request,
        "checkout_bridge.html",
        status=200 if found else 404,
        headers=ELEMENT_HEADERS,
        publishable_key=key,
        client_secret=client_secret if found else "",
        parent_origin=parent or "",
        session_json=json.dumps(found[0]) if found else "",
        payment_secret=found[1] if found else "",
        error=None if found else NOT_SET_UP,
    )


def _answer_error(message: str, code: str | None = None, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "code": code}}, status_code=status)


@pages.post("/elements/checkout/email", csrf=False)
async def update_email(request: Request) -> Response:
    """`updateEmail(email)`: kept as the session's `customer_details.email` (the checkout frame proves itself by
    the client secret and the browser's `Sec-Fetch-Site`, as the other elements do)."""
    if not same_origin(request):
        return csrf_refused(request)
    body = await read_body(request)
    if body is None:
        return _answer_error("The request could not be read.")
    email = text(body, "email", 512).strip()
    if not email:
        return _answer_error("Your email address is incomplete.", "incompleteEmail")
    if not _EMAIL.fullmatch(email):
        return _answer_error("Your email address is invalid.", "invalidEmail")
    async with page_context(request) as ctx:
        session = await _custom_session(ctx, text(body, "client_secret", 200), for_update=True)
        if session is None:
            return _answer_error(NOT_SET_UP, status=404)
        if session.status != CheckoutSessionStatus.OPEN:
            return _answer_error("This checkout is no longer open.")
        if session.customer_email is not None and session.customer_email != email:
            return _answer_error("This checkout's email was set by the shop and can't be changed.", "invalidEmail")
        session.customer_details = {**(session.customer_details or {}), "email": email}
        await ctx.session.flush()
        info, _secret = await _info(ctx, request, session)
    return JSONResponse({"session": info})
