"""The account page's step-up: "Confirm it's you" before a card or an address is added from a log-in that
came from a new device and a new network (the takeover's shape; the rule and its memory are
`lynk.link.step_up`, shared with checkout and the element, never copied here).

When the Link service refuses such a change (`StepUpRequired`), the page sends a new code to the account's
phone (or email) and asks for it; nothing is saved yet. Once the code is confirmed the session has passed its
step-up and the browser and network are the shopper's own. An address was carried through the code step in
hidden fields, so it is saved at once. A card never is: its number and CVC are not written into a page, so
the shopper types the card again (the overview opens its form).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from lynk.account.web import (
    CHANNELS,
    attempt,
    clear_session,
    code_sent_to,
    redirect,
    render,
    runtime_of,
    session_secret,
)
from lynk.core.errors import LynkError
from lynk.link import network

__all__ = ["CHANGES", "CHANNELS", "ask", "change_of", "page"]


@dataclass(frozen=True)
class Change:
    doing: str  # how the refusal words it: "Confirm it's you again before adding a card"
    kept: tuple[str, ...]  # the form's fields carried through the code step (never a card number or CVC)


CHANGES = {
    "card": Change("adding a card", ()),
    "address": Change(
        "adding an address",
        ("name", "line1", "line2", "city", "state", "postal_code", "country", "phone", "is_default"),
    ),
}


def change_of(form: dict[str, str]) -> str | None:
    then = form.get("then", "")
    return then if then in CHANGES else None


async def ask(request: Request, then: str, form: dict[str, str], channel: str | None = None) -> Response:
    """Send a new code (SMS where the account has a phone) and ask for it; the change waits."""
    secret = session_secret(request)
    sent = await attempt(request, lambda ctx: network.send_code(ctx, secret, channel))
    if isinstance(sent, LynkError):  # a send limit, or the session ended
        return await page(request, then, form, error=sent.message, status=sent.http_status)
    return await page(request, then, form, channel=sent[1], resent=channel is not None)


async def page(
    request: Request,
    then: str,
    form: dict[str, str],
    *,
    channel: str | None = None,
    error: str | None = None,
    status: int = 200,
    resent: bool = False,
) -> Response:
    """The "Confirm it's you" form, carrying the change's fields."""
    secret = session_secret(request)
    pending = await attempt(request, lambda ctx: network.pending(ctx, secret))
    if isinstance(pending, LynkError):  # the session ended meanwhile: log in again
        response = redirect(request, "", "expired")
        clear_session(request, response)
        return response
    _row, account = pending
    change = CHANGES[then]
    how, sent_to = code_sent_to(account, channel)
    return render(
        request,
        "step_up.html",
        status=status,
        csrf=True,
        error=error,
        notice="A new code is on its way." if resent else None,
        then=then,
        doing=change.doing,
        card=then == "card",
        kept={key: form.get(key, "")[:200] for key in change.kept},
        channel=how,
        sent_to=sent_to,
        has_phone=account.phone is not None,
        ttl_minutes=max(1, runtime_of(request).settings.link_code_ttl_seconds // 60),
    )
