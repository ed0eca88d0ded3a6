"""What the account page shows: her details, cards, addresses, the shops with access (each shop once, with
the cards it may use, and the shop where she joined Lynk), and remembered devices named as people know them
("Chrome on Linux", read from the user agent by ua-parser)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ua_parser import parse as parse_user_agent

from lynk.link import accounts, details, devices, grants, sessions
from lynk.link.context import LinkContext
from lynk.merchants import service as merchants
from lynk.merchants.errors import MerchantNotFound
from lynk.models import LinkAccount, LinkGrant, LinkPaymentDetail

_BROWSER_NAMES = {"HeadlessChrome": "Chrome", "Chrome Mobile": "Chrome", "Mobile Safari": "Safari"}
_SYSTEM_NAMES = {"Mac OS X": "macOS"}


def date(stamp: int | None) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%-d %b %Y") if stamp else ""


def label(detail: LinkPaymentDetail) -> str:
    """How the page names a saved detail: a card by brand, a bank account by its bank; last 4 digits only."""
    if detail.type == "us_bank_account":
        return f"{detail.bank_name or 'Bank account'} •••• {detail.last4}"
    return f"{(detail.brand or 'card').title()} •••• {detail.last4}"


@lru_cache(maxsize=256)
def device_name(user_agent: str | None) -> str:
    """ "Chrome on Linux", "Safari on iOS": the browser and system a remembered device's user agent names."""
    if not user_agent:
        return "A browser"
    found = parse_user_agent(user_agent)
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    browser = _BROWSER_NAMES.get(browser or "", browser) if browser and browser != "Other" else None
    system = _SYSTEM_NAMES.get(system or "", system) if system and system != "Other" else None
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "A browser"


async def merchant_name(ctx: LinkContext, merchant_id: str, names: dict[str, str]) -> str:
    if merchant_id not in names:
        try:
            names[merchant_id] = (await merchants.get_merchant(ctx.session, merchant_id)).name
        except MerchantNotFound:
            names[merchant_id] = merchant_id
    return names[merchant_id]


async def shops(
    ctx: LinkContext, account: LinkAccount, given: Sequence[LinkGrant], cards: dict[str, str]
) -> list[dict[str, Any]]:
    """Each shop once: the cards its grants use, whether it may charge later, and where she joined Lynk."""
    names: dict[str, str] = {}
    found: dict[str, dict[str, Any]] = {}
    joined = account.signup_merchant_id
    for merchant_id in ([joined] if joined else []) + [g.merchant_id for g in given]:
        if merchant_id not in found:
            found[merchant_id] = {
                "id": merchant_id,
                "merchant": await merchant_name(ctx, merchant_id, names),
                "cards": [],
                "off_session": False,
                "active": False,
                "joined_here": merchant_id == joined,
                "created": None,
                "revoked": None,
            }
    for grant in given:
        shop = found[grant.merchant_id]
        active = grant.status == "active"
        card = cards.get(grant.payment_detail_id or "", "Your default card")
        if active and card not in shop["cards"]:
            shop["cards"].append(card)
        shop["active"] |= active
        shop["off_session"] |= active and grant.off_session
        shop["created"] = min(shop["created"] or grant.created, grant.created)
        shop["revoked"] = max(shop["revoked"] or 0, grant.revoked_at or 0) or None
    for shop in found.values():
        shop["since"], shop["revoked"] = date(shop.pop("created")), date(shop["revoked"])
    return list(found.values())


async def of(ctx: LinkContext, secret: str | None) -> dict[str, Any]:
    account = await sessions.verified_account(ctx, secret)
    saved = await details.list_details(ctx, account)
    cards = {d.id: label(d) for d in saved}
    return {
        "account": {
            "email": account.email,
            "name": account.name,
            "phone": accounts.redact_phone(account.phone),
            "since": date(account.created),
        },
        "details": [
            {
                "id": d.id,
                "label": cards[d.id],
                "nickname": d.nickname or "",
                "expiry": f"{d.exp_month:02d}/{d.exp_year % 100:02d}" if d.exp_month and d.exp_year else "",
                "is_default": d.is_default,
            }
            for d in saved
        ],
        "addresses": [
            {
                "id": a.id,
                "name": a.name or "",
                "lines": [
                    part
                    for part in (
                        a.address.get("line1"),
                        a.address.get("line2"),
                        " ".join(p for p in (a.address.get("postal_code"), a.address.get("city")) if p),
                        a.address.get("state"),
                        a.address.get("country"),
                    )
                    if part
                ],
                "is_default": a.is_default,
            }
            for a in await details.list_addresses(ctx, account)
        ],
        "devices": [
            {"id": d.id, "label": device_name(d.label), "since": date(d.created), "until": date(d.expires)}
            for d in await devices.list_devices(ctx, account)
        ],
        "shops": await shops(ctx, account, await grants.list_grants(ctx, account), cards),
    }
