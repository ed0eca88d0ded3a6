"""Consumer sessions: lookup at a merchant, verification by code, and the checks on every use.

A session's secret is returned once (at lookup or sign-up) and stored as a SHA-256 hash. Every
use must come from the same merchant and mode (the publishable key) and the same browser: the
`lynk_browser` cookie, an HttpOnly random value set on Lynk's origin at the first lookup, whose
hash the session keeps. A secret copied out of the page is useless without that cookie, and the
cookie alone names no session. A session expires after `link_session_idle_seconds` unused, and
logging out ends it for good.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from lynk.core.errors import InvalidRequestError
from lynk.core.ids import new_id, random_token
from lynk.link import accounts, codes, devices, metrics, repository, step_up
from lynk.link.context import LinkContext
from lynk.link.errors import ConsumerSessionInvalid, ConsumerSessionNotVerified, ResendTooSoon
from lynk.models import LinkAccount, LinkSession, LinkSessionStatus

BROWSER_COOKIE = "lynk_browser"
SECRET_PARAM = "consumer_session_client_secret"  # noqa: S105 (a parameter name)


@dataclass(frozen=True)
class Lookup:
    account: LinkAccount | None
    link_session: LinkSession | None
    secret: str | None
    browser: str | None  # a new browser-binding value to set as a cookie, when the browser had none
    trusted_device: bool = False  # verified at lookup by a remembered device, without a code
    code_pending: bool = False  # a session of this browser whose code is still waiting: none is sent again


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


secret_hash = _hash  # how a session's secret is stored


def new_browser_token() -> str:
    return random_token(32)


async def open_session(ctx: LinkContext, account: LinkAccount) -> tuple[LinkSession, str, str | None]:
    """A new unverified session for `account`, bound to this merchant, mode and browser."""
    browser = ctx.browser
    fresh_browser = None
    if not browser:
        browser = fresh_browser = new_browser_token()
        ctx.browser = browser
    session_id = new_id("lcs")
    secret = f"{session_id}_secret_{random_token(32)}"
    row = LinkSession(
        id=session_id,
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        account_id=account.id,
        secret_hash=_hash(secret),
        browser_hash=_hash(browser),
        status=LinkSessionStatus.UNVERIFIED,
        verified_at=None,
        last_used=ctx.now,
        lookup_at=ctx.now,
    )
    await repository.add(ctx.session, row)
    return row, secret, fresh_browser


async def _resume(ctx: LinkContext, account: LinkAccount) -> tuple[LinkSession, str] | None:
    """This browser's pending session for `account`, with a new secret (the old one was only in the
    page that was reloaded; the browser cookie proves it is the same browser)."""
    if not ctx.browser:
        return None
    row = await repository.pending_session(
        ctx.session,
        ctx.scope,
        account.id,
        _hash(ctx.browser),
        used_since=ctx.now - ctx.settings.link_session_idle_seconds,
        now=ctx.now,
    )
    if row is None:
        return None
    secret = f"{row.id}_secret_{random_token(32)}"
    row.secret_hash, row.last_used, row.lookup_at = _hash(secret), ctx.now, ctx.now
    return row, secret


async def lookup(ctx: LinkContext, email: str, *, resume: bool = False) -> Lookup:
    """Whether a shopper with this email exists; if so, a new unverified session (rate limited).

    With `resume` (the hosted page), a session this browser opened whose code is still waiting is
    picked up again instead, so a reload sends no new code."""
    settings = ctx.settings
    window = settings.link_lookup_window_seconds
    await ctx.limiter.hit(
        "lookup_ip", ctx.ip, limit=settings.link_lookups_per_ip, window=window, now=ctx.now, what="lookups"
    )
    await ctx.limiter.hit(
        "lookup_merchant",
        ctx.scope.merchant_id,
        limit=settings.link_lookups_per_merchant,
        window=window,
        now=ctx.now,
        what="lookups at this merchant",
    )
    account = await accounts.find(ctx, email)
    await metrics.record(ctx.session, ctx.scope, "lookup", ctx.now)
    if account is None:
        return Lookup(None, None, None, None)
    await metrics.record(ctx.session, ctx.scope, "recognised", ctx.now)
    trusted = ctx.settings.link_trusted_device_skips_code and await devices.recognised(ctx, account) is not None
    resumed = await _resume(ctx, account) if resume and not trusted else None
    if resumed is not None:
        return Lookup(account, resumed[0], resumed[1], None, code_pending=True)
    row, secret, fresh_browser = await open_session(ctx, account)
    if trusted:
        row.status, row.verified_at = LinkSessionStatus.VERIFIED, ctx.now
    return Lookup(account, row, secret, fresh_browser, trusted)


async def recognise(ctx: LinkContext, known_cookie: str | None, *, resume: bool = False) -> Lookup:
    """A lookup by the `lynk_known` cookie instead of a typed email (see devices.known_cookie)."""
    account_id = await devices.known_account_id(ctx, known_cookie)
    account = await repository.account(ctx.session, account_id) if account_id else None
    if account is None or account.livemode != ctx.scope.livemode:
        return Lookup(None, None, None, None)
    return await lookup(ctx, account.email, resume=resume)


async def authenticate(ctx: LinkContext, secret: str | None, *, verified: bool = True) -> LinkSession:
    """The session this secret names, if it may be used here and now; refreshes its idle timer. Its account is
    read with it, in the same round trip (`accounts.get` then takes it from the database session)."""
    row, _account = await authenticate_with_account(ctx, secret, verified=verified)
    return row


async def authenticate_with_account(
    ctx: LinkContext, secret: str | None, *, verified: bool = True, lock_account: bool = False
) -> tuple[LinkSession, LinkAccount]:
    """`authenticate`, with the session's account (its row locked with `lock_account`)."""
    if not secret:
        raise ConsumerSessionInvalid(f"Missing {SECRET_PARAM}: look the shopper up first.", param=SECRET_PARAM)
    found = await repository.session_and_account(ctx.session, _hash(secret), lock_account=lock_account)
    if found is None or found[0].status == LinkSessionStatus.LOGGED_OUT:
        raise ConsumerSessionInvalid(
            "This consumer session does not exist or has been logged out. Look the shopper up again.",
            param=SECRET_PARAM,
        )
    row = found[0]
    if row.merchant_id != ctx.scope.merchant_id or row.livemode != ctx.scope.livemode:
        raise ConsumerSessionInvalid(
            "This consumer session was created at another merchant (or in another mode) and cannot be used here. "
            "Look the shopper up again.",
            param=SECRET_PARAM,
        )
    if not ctx.browser or not hmac.compare_digest(row.browser_hash, _hash(ctx.browser)):
        raise ConsumerSessionInvalid(
            f"This consumer session belongs to another browser: the {BROWSER_COOKIE} cookie set at lookup must "
            "accompany its secret.",
            param=SECRET_PARAM,
        )
    if ctx.now - row.last_used > ctx.settings.link_session_idle_seconds:
        raise ConsumerSessionInvalid(
            "This consumer session has expired after inactivity. Look the shopper up again.", param=SECRET_PARAM
        )
    if verified and row.status != LinkSessionStatus.VERIFIED:
        raise ConsumerSessionNotVerified()
    row.last_used = ctx.now
    return found


async def start_verification(
    ctx: LinkContext, secret: str | None, channel: str | None, *, cooldown: int = 0
) -> LinkSession:
    """Send a new code for the session; with `cooldown`, not until that long after the one waiting."""
    row = await authenticate(ctx, secret, verified=False)
    waiting = await repository.active_code(ctx.session, row.id) if cooldown else None
    if waiting is not None and waiting.expires > ctx.now and ctx.now - waiting.created < cooldown:
        raise ResendTooSoon(cooldown - (ctx.now - waiting.created))
    account = await accounts.get(ctx, row.account_id)
    chosen = channel or ("sms" if account.phone else "email")
    if chosen == "sms" and not account.phone:
        raise InvalidRequestError("This Link account has no phone number: verify by email.", param="type")
    await codes.send(ctx, account, row, chosen)
    await metrics.record(ctx.session, ctx.scope, "verification_started", ctx.now)
    return row


async def spend_code(ctx: LinkContext, secret: str | None, code: str) -> tuple[LinkSession, LinkAccount]:
    """Spend the session's code (wrong codes count towards the account's lock): the session is verified, or
    passes its step-up (step_up.py), at checkout and on the account page alike."""
    # The account's row is locked as it is read (with the session): concurrent guesses are counted one by one.
    row, account = await authenticate_with_account(ctx, secret, verified=False, lock_account=True)
    spent = await codes.check(ctx, account, row, code)
    row.status, row.verified_at = LinkSessionStatus.VERIFIED, ctx.now
    await step_up.verified(ctx, row, account, trusted=await devices.recognised(ctx, account) is not None)
    if spent.channel == "sms":
        account.phone_verified = True
    return row, account


async def confirm_verification(ctx: LinkContext, secret: str | None, code: str) -> tuple[LinkSession, LinkAccount]:
    row, account = await spend_code(ctx, secret, code)
    await metrics.record(ctx.session, ctx.scope, "verification_passed", ctx.now)
    return row, account


async def log_out(ctx: LinkContext, secret: str | None) -> LinkSession:
    row = await authenticate(ctx, secret, verified=False)
    row.status = LinkSessionStatus.LOGGED_OUT
    return row


async def verified_account(ctx: LinkContext, secret: str | None) -> LinkAccount:
    """The account behind a verified session (every wallet call goes through here)."""
    row = await authenticate(ctx, secret)
    return await accounts.get(ctx, row.account_id)


async def changing_account(ctx: LinkContext, secret: str | None, action: str) -> LinkAccount:
    """The account behind a verified session that may change it: one from an unfamiliar device and
    network must pass its step-up first (step_up.py)."""
    row = await authenticate(ctx, secret)
    step_up.check(row, action)
    return await accounts.get(ctx, row.account_id)
