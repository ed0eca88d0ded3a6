"""The embeddable payment element: `lynk.js` (served at `/js/v1/lynk.js`) and the page it frames.

A merchant's page loads `lynk.js`, which mounts `/elements/payment?…` from Lynk's origin in an
iframe, so card data never touches the merchant's page. The frame calls Lynk's API with the
merchant's publishable key and the PaymentIntent's client secret, exactly as the merchant's own
code could, and talks to the page only by `postMessage`: to the one parent origin it was given,
and only listening to that origin (lynk.js checks Lynk's origin and the frame the same way).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from lynk.checkout.web import ELEMENT_HEADERS, STATIC_DIR, not_found, render

router = APIRouter(include_in_schema=False)


def _origin(value: str) -> str | None:
    """`scheme://host[:port]` of an http(s) origin, or None."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or parts.username or parts.password:
        return None
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/js/v1/lynk.js")
async def lynk_js() -> Response:
    return FileResponse(
        STATIC_DIR / "lynk.js",
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/elements/payment")
async def payment_element(request: Request, key: str = "", client_secret: str = "", origin: str = "") -> Response:
    parent = _origin(origin)
    pi_id = client_secret.partition("_secret_")[0]
    if parent is None or not key.startswith(("pk_test_", "pk_live_")) or not pi_id.startswith("pi_"):
        return not_found(request, "This payment form is not set up correctly.")
    return render(
        request,
        "element.html",
        headers=ELEMENT_HEADERS,
        publishable_key=key,
        client_secret=client_secret,
        payment_intent=pi_id,
        parent_origin=parent,
    )
