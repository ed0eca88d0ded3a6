"""The shopper's own sessions on Lynk's account page: consumer sessions with the network audience.

An account-page session is an ordinary consumer session (`sessions.py`) whose `merchant_id` is the
audience `lynk_network` instead of a merchant's id, so every check of a checkout session holds: a
code is required (unless this browser is a trusted device, as SPEC §4 allows), the session is bound
to the browser cookie, expires when idle and can be logged out. Because the audience differs, a
checkout session never opens the account page and an account-page session never pays at a merchant.

Limits: logins count as lookups (per IP, and network-wide under the audience), codes as sends (per
account in the database, per IP, network-wide), and wrong codes lock the account as at checkout.
These logins are not merchant metrics, so nothing is recorded for the network figures.

In test mode a code is stored, not sent, under the merchant where the account signed up: that
merchant's test secret key reads it at `GET /v1/test_helpers/link/messages?to=`.
"""

from __future__ import annotations

from lynk.core.scope import Scope
from lynk.link import accounts, codes, devices, sessions
from lynk.link.context import LinkContext
from lynk.models import LinkAccount, LinkSession, LinkSessionStatus

NETWORK = "lynk_network"


def scope(livemode: bool) -> Scope:
    """The account page's scope: the network audience, in one mode."""
    return Scope(NETWORK, livemode)


async def log_in(ctx: LinkContext, email: str) -> sessions.Lookup:
    """The account with this email, if any, and a new session for it (verified only on a trusted device)."""
    settings = ctx.settings
    window = settings.link_lookup_window_seconds
    await ctx.limiter.hit(
        "lookup_ip", ctx.ip, limit=settings.link_lookups_per_ip, window=window, now=ctx.now, what="lookups"
    )
    await ctx.limiter.hit(
        "lookup_merchant",
        NETWORK,
        limit=settings.link_lookups_per_merchant,
        window=window,
        now=ctx.now,
        what="log-in attempts on Lynk",
    )
    account = await accounts.find(ctx, email)
    if account is None:
        return sessions.Lookup(None, None, None, None)
    row, secret, fresh_browser = await sessions.open_session(ctx, account)
    trusted = settings.link_trusted_device_skips_code and await devices.recognised(ctx, account) is not None
    if trusted:
        row.status, row.verified_at = LinkSessionStatus.VERIFIED, ctx.now
    return sessions.Lookup(account, row, secret, fresh_browser, trusted)


async def pending(ctx: LinkContext, secret: str | None) -> tuple[LinkSession, LinkAccount]:
    """The session waiting for its code (or already verified), and its account."""
    row = await sessions.authenticate(ctx, secret, verified=False)
    return row, await accounts.get(ctx, row.account_id)


async def send_code(ctx: LinkContext, secret: str | None, channel: str | None) -> tuple[LinkAccount, str]:
    """Send a fresh code by `channel` (SMS where the account has a phone, by default); returns the channel."""
    row, account = await pending(ctx, secret)
    chosen = channel if channel in ("sms", "email") else ("sms" if account.phone else "email")
    if chosen == "sms" and not account.phone:
        chosen = "email"
    ctx.message_owner = account.signup_merchant_id
    await codes.send(ctx, account, row, chosen)
    return account, chosen


async def confirm_code(ctx: LinkContext, secret: str | None, code: str) -> tuple[LinkSession, LinkAccount]:
    """Spend the code: the session is verified (wrong codes count towards the account's lock). A log-in from a
    new device and a new network must confirm a second code before it adds a card or an address, and that
    second code passes its step-up (link/step_up.py), as at checkout."""
    return await sessions.spend_code(ctx, secret, code)
