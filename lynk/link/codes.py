"""One-time verification codes: 6 digits from `secrets`, kept only as an HMAC under a vault-sealed key.

A code belongs to one session, expires after `link_code_ttl_seconds`, is spent by use and burned
after `link_code_max_attempts` wrong tries. Wrong codes are counted per source, so that someone who
knows a shopper's email cannot lock the shopper out: `link_failures_before_lock` from one browser
binding, or from one IP address, lock that source out of the account for a window of
`link_lock_seconds` (in the limiter). Across all sources a higher ceiling,
`link_failures_before_account_lock`, locks the account itself (in the database) against guessing
from many addresses; a trusted device of the account (devices.py) still verifies through it.
Sending is limited per browser and per account (a higher ceiling, in the database), per IP and per
merchant (in the limiter). Texts have their own caps against SMS pumping: never to premium-rate numbers,
per number range (all but the last 4 digits) and per merchant an hour, and a monthly budget.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta

from lynk.core import metrics as prometheus
from lynk.core.ids import new_id
from lynk.link import devices, repository, senders
from lynk.link.accounts import is_premium_rate
from lynk.link.context import LinkContext
from lynk.link.errors import PremiumRatePhone, TooManyRequests, VerificationCodeInvalid, VerificationLocked
from lynk.models import LinkAccount, LinkCode, LinkCodeStatus, LinkSession
from lynk.vault import service as vault

CODE_KEY_PURPOSE = "link_codes"
logger = logging.getLogger(__name__)


class WrongCode(VerificationCodeInvalid):
    """A wrong code is an outcome: its counters are committed with the error."""

    keep_changes = True


async def _code_hash(ctx: LinkContext, code_id: str, code: str) -> str:
    key = await vault.keyed_secret(ctx.session, ctx.keyring, CODE_KEY_PURPOSE, ctx.scope.livemode, ctx.now)
    return hmac.new(key, f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _sources(ctx: LinkContext, account: LinkAccount) -> list[tuple[str, str]]:
    """The limiter counters of where guesses come from: this browser binding, and this IP address."""
    return [("code_fail_browser", f"{account.id}:{ctx.browser or '-'}"), ("code_fail_ip", f"{account.id}:{ctx.ip}")]


async def check_not_locked(ctx: LinkContext, account: LinkAccount) -> None:
    """Refuse a source that guessed wrong too often, and everyone but a trusted device once the account is locked."""
    now = ctx.now
    trusted = await devices.recognised(ctx, account) is not None
    if account.locked_until is not None and account.locked_until > now and not trusted:
        raise VerificationLocked(account.locked_until - now, account.locked_until)
    for kind, subject in _sources(ctx, account)[: 1 if trusted else 2]:  # a trusted device may share an IP
        until = await ctx.limiter.marked(kind, subject, now=now)
        if until is not None:
            raise VerificationLocked(until - now, until)


async def send(ctx: LinkContext, account: LinkAccount, link_session: LinkSession, channel: str) -> LinkCode:
    """Issue a fresh code for the session (older ones stop working) and deliver it."""
    await check_not_locked(ctx, account)
    settings = ctx.settings
    window = settings.link_send_window_seconds
    sent, waiting = await repository.codes_sent_and_waiting(ctx.session, account.id, ctx.now - window, link_session.id)
    if sent >= settings.link_sends_per_account:
        raise TooManyRequests("verification codes sent to this account", window)
    await ctx.limiter.hit(
        "send_browser",
        f"{account.id}:{ctx.browser or ctx.ip}",
        limit=settings.link_sends_per_source,
        window=window,
        now=ctx.now,
        what="verification codes sent to this account from this browser",
    )
    await ctx.limiter.hit(
        "send_ip", ctx.ip, limit=settings.link_sends_per_ip, window=window, now=ctx.now, what="codes sent"
    )
    await ctx.limiter.hit(
        "send_merchant",
        ctx.scope.merchant_id,
        limit=settings.link_sends_per_merchant,
        window=window,
        now=ctx.now,
        what="codes sent at this merchant",
    )
    if channel == "sms" and account.phone:
        await _check_sms(ctx, account.phone)
    if waiting:  # none waits for a session's first code: nothing to supersede
        await repository.supersede_codes(ctx.session, link_session.id)
    code = f"{secrets.randbelow(1_000_000):06d}"
    code_id = new_id("lcode")
    row = LinkCode(
        id=code_id,
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        account_id=account.id,
        session_id=link_session.id,
        channel=channel,
        code_hash=await _code_hash(ctx, code_id, code),
        expires=ctx.now + settings.link_code_ttl_seconds,
        attempts=0,
        status=LinkCodeStatus.ACTIVE,
    )
    await repository.add(ctx.session, row)
    to = account.phone if channel == "sms" and account.phone else account.email
    await senders.deliver(ctx, channel, to, code)
    prometheus.LINK_CODES_SENT.labels(channel).inc()
    return row


async def _check_sms(ctx: LinkContext, phone: str) -> None:
    """SMS pumping: no texts to premium-rate numbers, a cap per number range and per merchant an hour, and
    the operator's monthly budget. The shopper can still ask for the code by email."""
    settings = ctx.settings
    if is_premium_rate(phone):  # stored before premium ranges were refused
        raise PremiumRatePhone("type")
    if settings.link_sms_per_prefix_hourly:
        await ctx.limiter.hit(
            "sms_prefix",
            phone[:-4],
            limit=settings.link_sms_per_prefix_hourly,
            window=3600,
            now=ctx.now,
            what="codes texted to numbers in this range",
        )
    if settings.link_sms_per_merchant_hourly:
        await ctx.limiter.hit(
            "sms_merchant",
            ctx.scope.merchant_id,
            limit=settings.link_sms_per_merchant_hourly,
            window=3600,
            now=ctx.now,
            what="codes texted for this merchant",
        )
    if settings.link_sms_monthly_budget:
        month = datetime.fromtimestamp(ctx.now, UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        sent = await repository.sms_codes_since(ctx.session, ctx.scope.livemode, int(month.timestamp()))
        if sent >= settings.link_sms_monthly_budget:
            following = (month + timedelta(days=32)).replace(day=1)
            raise TooManyRequests(
                "codes texted this month (ask for the code by email)", int(following.timestamp()) - ctx.now
            )


async def check(ctx: LinkContext, account: LinkAccount, link_session: LinkSession, code: str) -> LinkCode:
    """Spend the session's code if `code` matches; otherwise count the failure and refuse.

    The caller holds the account row locked, so concurrent guesses are counted one by one.
    """
    await check_not_locked(ctx, account)
    row = await repository.active_code(ctx.session, link_session.id, for_update=True)
    if row is None:
        raise VerificationCodeInvalid(
            "There is no verification code waiting for this session: it was used, replaced or never sent. "
            "Request a new code.",
            param="code",
            code="consumer_verification_code_missing",
        )
    if row.expires <= ctx.now:
        raise VerificationCodeInvalid(
            "This verification code has expired. Request a new code.",
            param="code",
            code="consumer_verification_code_expired",
        )
    expected = row.code_hash
    given = await _code_hash(ctx, row.id, code) if len(code) == 6 and code.isdigit() else ""
    if given and hmac.compare_digest(expected, given):
        row.status = LinkCodeStatus.SPENT
        account.failed_attempts = 0
        prometheus.LINK_VERIFICATIONS.labels("passed").inc()
        return row
    prometheus.LINK_VERIFICATIONS.labels("failed").inc()
    row.attempts += 1
    account.failed_attempts += 1
    settings = ctx.settings
    window, limit = settings.link_lock_seconds, settings.link_failures_before_lock
    source_locked = False
    for kind, subject in _sources(ctx, account):
        await ctx.limiter.hit(kind, subject, limit=limit + 1, window=window, now=ctx.now, what="wrong codes")
        if await ctx.limiter.count(kind, subject, window=window, now=ctx.now) >= limit:
            await ctx.limiter.mark(kind, subject, until=ctx.now + window, now=ctx.now)
            source_locked = True
    if account.failed_attempts >= settings.link_failures_before_account_lock:
        account.failed_attempts = 0
        account.locked_until = ctx.now + settings.link_lock_seconds
        logger.warning("Link verification locked for account %s after repeated wrong codes", account.id)
        source_locked = True
    if source_locked:  # a source (browser, IP) or the whole account: one lockout either way
        prometheus.LINK_LOCKOUTS.inc()
        row.status = LinkCodeStatus.BURNED
        await ctx.session.flush()
        raise WrongCode(
            "The verification code is incorrect. Too many wrong codes: verification is locked for this "
            f"account for {settings.link_lock_seconds // 60} minutes.",
            param="code",
            extra={"retry_after": window, "locked_until": ctx.now + window},
        )
    left = settings.link_code_max_attempts - row.attempts
    if left <= 0:
        row.status = LinkCodeStatus.BURNED
        await ctx.session.flush()
        raise WrongCode(
            "The verification code is incorrect, and it has been tried too often. Request a new code.", param="code"
        )
    await ctx.session.flush()
    raise WrongCode(
        f"The verification code is incorrect. {left} attempt{'s' if left != 1 else ''} left.",
        param="code",
        extra={"attempts_remaining": left},
    )
