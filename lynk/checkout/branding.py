"""The merchant's branding on the hosted checkout pages: her name, logo or icon, and brand colour.

The colour comes as a stylesheet of its own (`/c/brand/{acct}.css`), as the pages' policy allows no
inline style; images are `<img>` sources (a data URL, or an https URL whose origin the page's policy
then allows). What a merchant may set is checked where it is set (merchants/branding.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.checkout.web import page_context, pages
from lynk.core.errors import LynkError
from lynk.merchants import service as merchants
from lynk.merchants.branding import Branding
from lynk.web.site import allow_images

_CSS_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


async def of(session: AsyncSession, merchant_id: str) -> Branding:
    return await merchants.branding(session, merchant_id)


def values(branding: Branding, merchant_id: str) -> dict[str, Any]:
    """What the templates show: `brand` (name, logo, icon) and its stylesheet when a colour is set."""
    return {
        "brand": branding,
        "brand_css": f"/c/brand/{merchant_id}.css" if branding.color else None,
    }


def headers(branding: Branding, base: dict[str, str]) -> dict[str, str]:
    return allow_images(base, branding.image_origins)


def stylesheet(branding: Branding) -> str:
    """The brand colour on the page's primary button, links and focus; text in black or white for contrast."""
    color, text = branding.color, branding.text_on_color
    return (
        f":root {{ --brand: {color}; --on-brand: {text}; }}\n"
        "button.primary { background: var(--brand); color: var(--on-brand); }\n"
        "button.primary[disabled] { background: var(--brand); opacity: .8; }\n"
        ".brand-bar { border-top: 4px solid var(--brand); }\n"
    )


@pages.get("/c/brand/{merchant_id}.css")
async def brand_stylesheet(merchant_id: str, request: Request) -> Response:
    async with page_context(request, write=False) as ctx:
        try:
            branding = await of(ctx.session, merchant_id)
        except LynkError:
            branding = None
    css = stylesheet(branding) if branding is not None and branding.color else ""
    return Response(css, media_type="text/css", headers=_CSS_HEADERS)
