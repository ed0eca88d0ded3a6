"""Account takeover defence: a second code (step-up) before a session from an unfamiliar source changes
the account or ships somewhere new.

An account remembers the sources it was verified from (`link_sources`): the browser binding and the IP
address, each hashed with the account id. A verification from a browser *and* an IP address it has never
been verified from (and not from a trusted device) is the shape of a takeover: a phished or forwarded
code used elsewhere. Such a session is marked `step_up = required`. It can still see the wallet and pay to
a saved address, but adding a card, a bank account or a shipping address, or paying to an address the
account has not saved, asks for a new code first (403 `consumer_session_step_up_required`). Confirming
that code marks the session `passed` and the source familiar. A payment from such a session also scores
higher in Radar (`is_new_device_on_link`).

An account with no remembered source (born from a payment its shopper made through the merchant's
server, or from before sources were kept) learns its first one at its first verification.

The upkeep forgets sources unused for `SOURCE_RETENTION_DAYS` (`forget`), but never an idle account's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.link import devices, repository
from lynk.link.context import LinkContext
from lynk.link.errors import StepUpRequired
from lynk.models import LinkAccount, LinkSession

REQUIRED = "required"
PASSED = "passed"
# How long a browser or an IP address stays the account's own after its last verification from there. It
# outlasts everything that reads it: a trusted device's 90 days (LYNK_LINK_DEVICE_TRUST_DAYS, whose
# verifications without a code do not refresh a source), so the browser is still hers when its trust
# ends and she types a code there; and the longest Radar window (a week) and the rule test's 30 days,
# which read `is_new_device_on_link` as it was at payment time and never these rows. Past half a year an
# address says little (providers hand addresses on), and a browser unused that long is likely gone.
SOURCE_RETENTION_DAYS = 180
# The upkeep (every minute) reads only the sources that passed the retention in the last week, through the
# index on `last_seen`, rather than every idle account's old sources at every pass; a week covers any pause
# of the upkeep shorter than that. What it misses is forgotten at the account's next verification.
SWEEP_DAYS = 7
ADDRESS_KEYS = ("line1", "line2", "city", "postal_code", "state", "country")


def _hash(account_id: str, value: str) -> str:
    return hashlib.sha256(f"{account_id}:{value}".encode()).hexdigest()


def _here(ctx: LinkContext, account_id: str) -> list[tuple[str, str]]:
    found = [("ip", _hash(account_id, ctx.ip))] if ctx.ip else []
    if ctx.browser:
        found.append(("browser", _hash(account_id, ctx.browser)))
    return found


async def remember(ctx: LinkContext, account_id: str, known: dict[tuple[str, str], int] | None = None) -> None:
    """This browser and IP address are the account's own from now on; its sources unused for the retention
    go (it has a fresh one now, so this never leaves it with none). `known`: the account's sources with when
    each was last seen, when the caller has just read them: with none past the retention there is nothing
    to forget (sources are only ever written as seen now), and no DELETE is sent."""
    await repository.remember_sources(ctx.session, account_id, _here(ctx, account_id), ctx.now)
    cutoff = _cutoff(ctx.now)
    if known is not None and all(last_seen >= cutoff for last_seen in known.values()):
        return
    await repository.purge_sources(ctx.session, unseen_before=cutoff, account_id=account_id)


def _cutoff(now: int) -> int:
    return now - SOURCE_RETENTION_DAYS * 86400


async def remember_shopper(ctx: LinkContext, account_id: str) -> None:
    """At an account's birth: remember the shopper's browser, if the call came from one (a merchant's
    server has no browser binding, and its address is not the shopper's)."""
    if ctx.browser:
        await remember(ctx, account_id)


def _unfamiliar(ctx: LinkContext, account: LinkAccount, known: dict[tuple[str, str], int]) -> bool:
    """Whether a verification from here comes from a new device and a new IP address for the account (one it
    has sources for: its first verification is familiar)."""
    return bool(known) and not any(source in known for source in _here(ctx, account.id))


async def verified(ctx: LinkContext, row: LinkSession, account: LinkAccount, *, trusted: bool) -> None:
    """A code was confirmed on `row`: a step-up passes, a familiar source is remembered, an unfamiliar one
    (not from a trusted device) marks the session for a step-up. The sources are read once for both."""
    known = None
    if row.step_up == REQUIRED:
        row.step_up = PASSED
    elif row.step_up is None:
        known = await repository.sources(ctx.session, account.id)
        if not trusted and _unfamiliar(ctx, account, known):
            row.step_up = REQUIRED
            return
    await remember(ctx, account.id, known)


async def trust_device(ctx: LinkContext, row: LinkSession, account: LinkAccount, label: str | None) -> str | None:
    """ "Remember this device" after a confirmed code: the signed device cookie, or None while the session owes
    its step-up. Otherwise a takeover-shaped log-in that ticked the box would make the intruder's browser a
    trusted device, whose later log-ins skip the code and the step-up alike. Once she passes it, the next
    log-in may remember the browser."""
    if row.step_up == REQUIRED:
        return None
    _device, cookie = await devices.remember(ctx, account, label)
    return cookie


def check(row: LinkSession, action: str) -> None:
    """Refuse `action` until the session passed its step-up, when it needs one."""
    if row.step_up == REQUIRED:
        raise StepUpRequired(action)


def _address_key(address: Mapping[str, Any] | None) -> tuple[str, ...]:
    given = address or {}
    return tuple(str(given.get(key) or "").strip().casefold() for key in ADDRESS_KEYS)


async def check_shipping(ctx: LinkContext, row: LinkSession, shipping_address: Mapping[str, Any] | None) -> None:
    """A payment shipping to an address the account has not saved needs the step-up."""
    if row.step_up != REQUIRED or not shipping_address or not any(_address_key(shipping_address)):
        return
    saved = {_address_key(a.address) for a in await repository.addresses(ctx.session, row.account_id)}
    if _address_key(shipping_address) not in saved:
        check(row, "shipping to a new address")


async def forget(session: AsyncSession, now: int) -> int:
    """Upkeep: forget the sources unused for `SOURCE_RETENTION_DAYS`, only of accounts verified since then.

    An account nobody verified for that long keeps all its sources: forgetting every one would leave it
    with none, and an account with none takes its next verification, wherever it comes from, as its first
    familiar one (no step-up) — the very login a takeover would make. Its rows do not grow meanwhile.
    Only the sources that passed the retention within `SWEEP_DAYS` are read."""
    cutoff = _cutoff(now)
    return await repository.purge_sources(session, unseen_before=cutoff, seen_since=cutoff - SWEEP_DAYS * 86400)
