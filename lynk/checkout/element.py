"""The embeddable elements: `lynk.js` (served at `/js/v1/lynk.js`) and the pages it frames or opens.

A merchant's page loads `lynk.js`, which mounts Lynk's pages from Lynk's origin in iframes, so card data,
codes and Link's session secret never touch the merchant's page:

- `/elements/payment`: the payment element (the card form; with `link` among the PaymentIntent's
  `payment_method_types`, Link's steps too: see element_link.py);
- `/elements/link_authentication`: the email field that recognises a Link shopper and runs the code step;
- `/elements/express`: the express checkout's popup, the Link steps on a first-party page with its own Pay button.

A frame calls Lynk's API with the merchant's publishable key and the PaymentIntent's client secret, exactly as
the merchant's own code could, and talks to the page only by `postMessage`: to the one parent origin it was
given, and only listening to that origin (lynk.js checks Lynk's origin and the frame the same way).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from lynk.checkout import appearance, link_steps
from lynk.checkout.web import ELEMENT_HEADERS, PAGE_HEADERS, STATIC_DIR, not_found, page_context, render
from lynk.core.money import currency as currency_of
from lynk.models import PaymentIntent, PaymentIntentStatus
from lynk.payments import service as payments

router = APIRouter(include_in_schema=False)

# An intent in one of these is paid (or on its way): the element says so instead of offering to pay again.
DONE = (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.REQUIRES_CAPTURE, PaymentIntentStatus.PROCESSING)


def origin_of(value: str) -> str | None:
    """`scheme://host[:port]` of an http(s) origin, or None."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or parts.username or parts.password:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def link_offered(pi: PaymentIntent) -> bool:
    return "link" in pi.payment_method_types and pi.status not in DONE and pi.status != PaymentIntentStatus.CANCELED


@router.get("/js/v1/lynk.js")
async def lynk_js() -> Response:
    return FileResponse(
        STATIC_DIR / "lynk.js",
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


async def _element(request: Request, template: str, kind: str, **extra: Any) -> Response:
    """An element's page for the PaymentIntent whose client secret it was given (else "not set up")."""
    query = request.query_params
    key, client_secret = query.get("key", ""), query.get("client_secret", "")
    parent = origin_of(query.get("origin", ""))
    pi_id = client_secret.partition("_secret_")[0]
    if parent is None or not key.startswith(("pk_test_", "pk_live_")) or not pi_id.startswith("pi_"):
        return not_found(request, "This payment form is not set up correctly.")
    async with page_context(request, write=False) as ctx:
        pi = await payments.get_for_client(ctx.session, pi_id, client_secret)
    if pi is None:
        return not_found(request, "This payment form is not set up correctly.")
    return render(
        request,
        template,
        headers=PAGE_HEADERS if kind == "express" else ELEMENT_HEADERS,  # the popup is never framed
        kind=kind,
        publishable_key=key,
        client_secret=client_secret,
        payment_intent=pi.id,
        parent_origin=parent,
        paid=pi.status in DONE,
        intent_status=pi.status,
        amount=f"{currency_of(pi.currency).format(pi.amount)} {pi.currency.upper()}",
        link_enabled=link_offered(pi),
        appearance=appearance.parse(query.get("appearance", "")),
        email="",
        email_locked=False,
        phone_countries=link_steps.PHONE_COUNTRIES,
        phone_country="US",
        **extra,
    )


@router.get("/elements/payment")
async def payment_element(request: Request) -> Response:
    # `linked`: a linkAuthentication element on the same page asks the email and runs the code step.
    return await _element(request, "element.html", "payment", linked=request.query_params.get("linked") == "1")


@router.get("/elements/link_authentication")
async def link_authentication_element(request: Request) -> Response:
    return await _element(request, "link_authentication.html", "link_authentication")


@router.get("/elements/express")
async def express_checkout(request: Request) -> Response:
    return await _element(request, "element.html", "express", linked=False)
