"""What other domains call: the confirm pipeline pays with Link through here, and enrols shoppers who
opted in. The consumer endpoints call the use-case modules (`sessions`, `details`, `grants`) and the
shopper's rights (`export`, `delete_account`) below."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.config import Settings
from lynk.core.scope import Scope
from lynk.link import accounts, details, devices, grants, repository, sessions, step_up
from lynk.link.context import LinkContext
from lynk.link.errors import ConsumerAccountExists
from lynk.link.limits import Limiter, MemoryLimiter
from lynk.link.objects import account_object, detail_object, device_object, grant_object, shipping_address_object
from lynk.models import LinkAccount, LinkHeldSignup, LinkMessage, PaymentIntent, PaymentIntentStatus, PaymentMethod
from lynk.vault import service as vault
from lynk.vault.keyring import Keyring


@dataclass(frozen=True)
class Caller:
    """The request's facts a consumer session is checked against."""

    settings: Settings
    limiter: Limiter
    ip: str
    browser: str | None
    device: str | None = None


@dataclass(frozen=True)
class LinkPayment:
    """`payment_method_data[type]=link`: the verified session's secret and the chosen detail (or the default)."""

    consumer_session_client_secret: str | None
    payment_detail: str | None
    caller: Caller
    cards_only: bool = False  # the hosted checkout page completes on a card payment only, not a bank debit


@dataclass(frozen=True)
class LinkSignup:
    """`link_signup[…]` on a card payment: create a Link account with this card once the payment succeeds."""

    signup: accounts.Signup
    caller: Caller


def context(session: AsyncSession, keyring: Keyring, scope: Scope, now: int, caller: Caller) -> LinkContext:
    return LinkContext(
        session=session,
        scope=scope,
        keyring=keyring,
        settings=caller.settings,
        limiter=caller.limiter,
        now=now,
        ip=caller.ip,
        browser=caller.browser,
        device=caller.device,
    )


@cache
def _bare_settings() -> Settings:
    return Settings()


def _bare(session: AsyncSession, keyring: Keyring, scope: Scope, now: int) -> LinkContext:
    """A context for merchant-side calls that check grants only (no shopper session, no limits)."""
    return LinkContext(
        session=session,
        scope=scope,
        keyring=keyring,
        settings=_bare_settings(),
        limiter=MemoryLimiter(),
        now=now,
        ip="",
        browser=None,
    )


async def pay_with(
    session: AsyncSession,
    keyring: Keyring,
    scope: Scope,
    now: int,
    payment: LinkPayment,
    payment_method_types: Sequence[str],
    *,
    cards_only: bool = False,
    shipping_address: Mapping[str, Any] | None = None,
) -> PaymentMethod:
    ctx = context(session, keyring, scope, now, payment.caller)
    return await grants.pay_with(
        ctx,
        payment.consumer_session_client_secret,
        payment.payment_detail,
        payment_method_types,
        cards_only=cards_only or payment.cards_only,
        shipping_address=shipping_address,
    )


NEW_CARD_SECONDS = 86400  # a card saved to the account less than a day ago is new on Link
BROWSER_COOKIE = sessions.BROWSER_COOKIE


def device_of(browser: str | None) -> str | None:
    """Radar's device for a browser's `lynk_browser` binding (its hash, as a session keeps it): the same for a
    Link payment and a card typed on Lynk's page or element in that browser."""
    return sessions.secret_hash(browser) if browser else None


@dataclass(frozen=True)
class LinkRisk:
    """What a Link payment tells the risk stage: the account, the browser (hashed), whether the session was
    verified from a new device and a new network, and whether the card was saved to the account lately."""

    account_id: str
    device: str | None
    new_device: bool
    new_card: bool


async def risk_facts(
    session: AsyncSession, scope: Scope, now: int, payment_method_id: str, payment: LinkPayment | None
) -> LinkRisk | None:
    """The Link facts of a payment with a merchant's `link` method (None if it is not one)."""
    made = grants.made_here(session, payment_method_id)  # the shopper's payment made it: no read
    granted = (made[0].account_id, made[1].created) if made else None
    granted = granted or await repository.granted_card(session, scope, payment_method_id)
    if granted is None:
        return None
    account_id, saved = granted
    new_device, device = False, None
    if payment is not None:  # the shopper is there; an off-session charge has no browser
        secret = payment.consumer_session_client_secret or ""
        row = await repository.session_by_hash(session, sessions.secret_hash(secret))
        new_device = row is not None and row.step_up is not None
        device = device_of(payment.caller.browser)
    return LinkRisk(account_id, device, new_device, now - saved < NEW_CARD_SECONDS)


async def check_reuse(
    session: AsyncSession, keyring: Keyring, scope: Scope, now: int, payment_method_id: str, *, off_session: bool
) -> None:
    await grants.check_reuse(_bare(session, keyring, scope, now), payment_method_id, off_session=off_session)


Funding = grants.Funding


async def funding_for(
    session: AsyncSession, keyring: Keyring, scope: Scope, now: int, payment_method_id: str
) -> Funding:
    """What a `link` method charges now: a sealed card or a sealed bank account (`vault_bank_account_id`, None
    when it charges a card). A confirmation reads it once and hands it on (`card_of`)."""
    return await grants.funding_for(_bare(session, keyring, scope, now), payment_method_id)


def card_of(funding: Funding) -> tuple[str, str | None]:
    """(vault card id, card country) of the card a `link` method's funding charges; refused for a bank account."""
    return grants.card_of(funding)


async def vault_card_for(
    session: AsyncSession, keyring: Keyring, scope: Scope, now: int, payment_method_id: str
) -> tuple[str, str | None]:
    return card_of(await funding_for(session, keyring, scope, now, payment_method_id))


async def payment_succeeded(
    session: AsyncSession, keyring: Keyring, scope: Scope, now: int, payment_method_id: str, *, setup_future_usage: bool
) -> None:
    """A `link` payment succeeded: count it, and with `setup_future_usage` allow off-session charges."""
    await grants.payment_succeeded(
        _bare(session, keyring, scope, now), payment_method_id, setup_future_usage=setup_future_usage
    )


async def setup_succeeded(
    session: AsyncSession, keyring: Keyring, scope: Scope, now: int, payment_method_id: str, *, off_session: bool
) -> None:
    """A SetupIntent saved a `link` method: with `usage=off_session` the grant allows off-session charges."""
    await grants.setup_succeeded(_bare(session, keyring, scope, now), payment_method_id, off_session=off_session)


async def enroll_after_payment(
    session: AsyncSession,
    keyring: Keyring,
    scope: Scope,
    now: int,
    signup: LinkSignup,
    *,
    vault_card_id: str,
    billing: dict[str, Any] | None,
) -> LinkAccount | None:
    """The shopper opted in and the payment succeeded: a new account, with this card as its default.

    An email that already has an account is left alone: a card is never added to an existing
    account without that shopper's verified session.
    """
    ctx = context(session, keyring, scope, now, signup.caller)
    email = accounts.normalise_email(signup.signup.email, param="link_signup[email]")
    if await repository.account_by_email(session, scope.livemode, email) is not None:
        return None
    try:
        account = await accounts.create(ctx, signup.signup, param_prefix="link_signup")
    except ConsumerAccountExists:  # taken meanwhile by a concurrent sign-up: the payment stands, unenrolled
        return None
    stored = await vault.copy_card(session, keyring, vault_card_id, now=now)
    if stored is not None:
        await details.save_stored_card(ctx, account, stored, billing=billing, nickname=None, make_default=True)
    return account


async def hold_signup(
    session: AsyncSession, scope: Scope, now: int, payment_intent_id: str, signup: LinkSignup
) -> None:
    """The payment waits for 3-D Secure: keep the opt-in until the shopper completes it."""
    given = signup.signup
    row = LinkHeldSignup(
        payment_intent_id=payment_intent_id,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        email=given.email,
        phone=given.phone,
        name=given.name,
        country=given.country,
        created=now,
    )
    await repository.hold_signup(session, row)


def _paid(pi: PaymentIntent) -> bool:
    return pi.status in (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.REQUIRES_CAPTURE)


async def after_confirm(
    session: AsyncSession,
    keyring: Keyring,
    scope: Scope,
    now: int,
    pi: PaymentIntent,
    signup: LinkSignup,
    vault_card_id: str,
    billing: dict[str, Any],
) -> None:
    """A confirm with an opt-in ended: enrol if it paid, hold the opt-in if 3-D Secure comes next."""
    if pi.status == PaymentIntentStatus.REQUIRES_ACTION:
        await hold_signup(session, scope, now, pi.id, signup)
    elif _paid(pi):
        await enroll_after_payment(session, keyring, scope, now, signup, vault_card_id=vault_card_id, billing=billing)


async def after_authentication(
    session: AsyncSession,
    keyring: Keyring,
    scope: Scope,
    now: int,
    pi: PaymentIntent,
    vault_card_id: str,
    billing: dict[str, Any],
) -> None:
    """3-D Secure ended: enrol the held opt-in if the payment went through, and forget it either way."""
    held = await repository.held_signup(session, scope, pi.id)
    if held is None:
        return
    await repository.delete_row(session, held)
    if _paid(pi):
        signup = accounts.Signup(held.email, held.phone, held.name, held.country)
        caller = Caller(_bare_settings(), MemoryLimiter(), "", None)
        await enroll_after_payment(
            session, keyring, scope, now, LinkSignup(signup, caller), vault_card_id=vault_card_id, billing=billing
        )


async def purge_sources(session: AsyncSession, now: int) -> int:
    """Upkeep: the step-up's remembered sources, unused for half a year, of accounts still in use (step_up.py)."""
    return await step_up.forget(session, now)


async def purge_held_signups(session: AsyncSession, settings: Settings, now: int) -> int:
    """Drop opt-ins whose 3-D Secure challenge was abandoned (held longer than `link_held_signup_seconds`).

    A shopper who completes the challenge later still pays; only the enrolment is lost."""
    return await repository.purge_held_signups(session, created_before=now - settings.link_held_signup_seconds)


async def charge_details(session: AsyncSession, vault_card_id: str, billing: dict[str, Any]) -> dict[str, Any]:
    """A Link charge's `payment_method_details`: the funding country, never the card."""
    facts = await vault.card_facts(session, vault_card_id)
    return {"type": "link", "link": {"country": facts.country if facts else None}, "billing_details": billing}


def bank_charge_details(billing: dict[str, Any]) -> dict[str, Any]:
    """A Link bank payment's `payment_method_details`: as for a card, never the bank or its numbers."""
    return {"type": "link", "link": {"country": "US"}, "billing_details": billing}


async def check_signup(signup: LinkSignup) -> None:
    """Refuse a malformed opt-in before any money moves."""
    accounts.normalise_email(signup.signup.email, param="link_signup[email]")
    if signup.signup.phone:
        accounts.normalise_phone(signup.signup.phone, param="link_signup[phone]", country=signup.signup.country)


async def export(ctx: LinkContext, account: LinkAccount) -> dict[str, Any]:
    """Everything Lynk holds about the shopper, as JSON (no card numbers: those never leave the vault)."""
    return {
        "object": "link.account_export",
        "account": account_object(account, full=True),
        "payment_details": [detail_object(d) for d in await details.list_details(ctx, account)],
        "shipping_addresses": [shipping_address_object(a) for a in await details.list_addresses(ctx, account)],
        "grants": [grant_object(g) for g in await grants.list_grants(ctx, account)],
        "devices": [device_object(d) for d in await devices.list_devices(ctx, account)],
        "sessions": [
            {"id": s.id, "created": s.created, "merchant": s.merchant_id, "status": s.status}
            for s in await repository.sessions_of(ctx.session, account.id)
        ],
    }


async def delete_account(ctx: LinkContext, account: LinkAccount) -> dict[str, Any]:
    """Erase the account: grants revoked (merchants told), vault cards erased, personal rows deleted."""
    await grants.revoke_all(ctx, account)
    for row in await details.list_details(ctx, account):
        await details.erase_sealed(ctx, row)
    contacts = [c for c in (account.email, account.phone) if c]
    await repository.erase_account_rows(ctx.session, account.id, contacts)
    return {"id": account.id, "object": "link.account", "deleted": True}


async def messages(ctx: LinkContext, to: str, limit: int) -> Sequence[LinkMessage]:
    return await repository.messages(ctx.session, ctx.scope, to.strip().lower() if "@" in to else to.strip(), limit)
