"""Paying with Link, and the grants it leaves: a merchant's `link` PaymentMethod for a shopper.

A verified session at the merchant, in the same browser, pays with the detail the shopper
chose (or the default). That creates a `link` PaymentMethod owned by the merchant, which
carries only the shopper's email, and a grant tying it to the account. With
`setup_future_usage=off_session` the grant allows the merchant to charge it later without the
shopper; the card charged then is the chosen detail until the shopper picks a new default (the
merchant's method follows the default, as at Stripe), or the default if the chosen one was removed.
The shopper lists and revokes grants; a revoked one can never be charged again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.scope import Scope
from lynk.link import accounts, details, metrics, repository, sessions, step_up
from lynk.link.context import LinkContext
from lynk.link.errors import (
    DetailNotACard,
    GrantNotFound,
    GrantRevoked,
    LinkNotAllowed,
    NoPaymentDetail,
    OffSessionNotGranted,
)
from lynk.models import LinkAccount, LinkGrant, LinkGrantStatus, LinkPaymentDetail, PaymentMethod
from lynk.payment_methods import service as payment_methods

DETAIL_PARAM = "payment_method_data[link][payment_detail]"


async def pay_with(
    ctx: LinkContext,
    secret: str | None,
    detail_id: str | None,
    payment_method_types: Sequence[str],
    *,
    cards_only: bool = False,
    shipping_address: Mapping[str, Any] | None = None,
) -> PaymentMethod:
    """The merchant's new `link` PaymentMethod for the detail the verified shopper chose.

    `cards_only`: a SetupIntent verifies a card, so a bank account cannot be chosen there. A session from an
    unfamiliar device and network must pass its step-up before it ships to a new `shipping_address`."""
    if "link" not in payment_method_types:
        raise LinkNotAllowed()
    link_session = await sessions.authenticate(ctx, secret)
    await step_up.check_shipping(ctx, link_session, shipping_address)
    account = await accounts.get(ctx, link_session.account_id)
    if detail_id:
        chosen = await details.get_detail(ctx, account, detail_id, param=DETAIL_PARAM)
    else:
        found = await details.default_detail(ctx, account.id)
        if found is None:
            raise NoPaymentDetail()
        chosen = found
    if cards_only and chosen.vault_card_id is None:
        raise DetailNotACard()
    method = await payment_methods.create_link(
        ctx.session, ctx.scope, email=account.email, billing=chosen.billing_details, now=ctx.now
    )
    grant = LinkGrant(
        id=new_id("lgrant"),
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        account_id=account.id,
        payment_method_id=method.id,
        payment_detail_id=chosen.id,
        off_session=False,
        status=LinkGrantStatus.ACTIVE,
        revoked_at=None,
        last_used=ctx.now,
        lookup_at=link_session.lookup_at,
    )
    await repository.add(ctx.session, grant)
    ctx.session.info.setdefault(_MADE, {})[method.id] = (_transaction(ctx.session), grant, chosen)
    return method


# The grant `pay_with` made, with the detail it chose, for the rest of the transaction that inserted it: no
# other transaction can see (let alone change) an uncommitted row, so the confirmation's later stages take
# it from here instead of locking and reading it again. A later transaction (a payment's second phase, after
# the processor's answer) reads and locks it again.
_MADE = "lynk_link_grants_made"


def _transaction(session: AsyncSession) -> object | None:
    return session.sync_session.get_transaction()


def made_here(session: AsyncSession, payment_method_id: str) -> tuple[LinkGrant, LinkPaymentDetail] | None:
    """The grant of `payment_method_id` and its chosen detail, if this very transaction made them."""
    made = session.info.get(_MADE, {}).get(payment_method_id)
    if made is None or made[0] is None or made[0] is not _transaction(session):
        return None
    if not all(inspect(row).persistent for row in made[1:]):  # a savepoint rolled back, or a row deleted since
        return None
    return made[1], made[2]


async def _active_grant(ctx: LinkContext, payment_method_id: str) -> LinkGrant:
    made = made_here(ctx.session, payment_method_id)
    grant = made[0] if made else None
    if grant is None:
        # A grant is flushed as it is made (`pay_with`), and only its status and detail change after: nothing left
        # pending changes which row this finds. No autoflush, so a payment's second phase sends its events (one
        # before this, one after) in one INSERT.
        with ctx.session.no_autoflush:
            grant = await repository.grant_for_method(ctx.session, ctx.scope, payment_method_id, for_update=True)
    if grant is None or grant.status != LinkGrantStatus.ACTIVE:
        raise GrantRevoked()
    return grant


async def check_reuse(ctx: LinkContext, payment_method_id: str, *, off_session: bool) -> None:
    """A merchant charging a `link` method again, without the shopper: only off session, through a grant."""
    grant = await _active_grant(ctx, payment_method_id)
    if not (off_session and grant.off_session):
        raise OffSessionNotGranted()


@dataclass(frozen=True)
class Funding:
    """What a `link` method charges now: a sealed card or a sealed US bank account, and its country."""

    vault_card_id: str | None
    vault_bank_account_id: str | None
    country: str | None


async def funding_for(ctx: LinkContext, payment_method_id: str) -> Funding:
    grant = await _active_grant(ctx, payment_method_id)
    made = made_here(ctx.session, payment_method_id)
    chosen = made[1] if made and made[1].id == grant.payment_detail_id else None
    if chosen is None and grant.payment_detail_id:
        chosen = await repository.detail(ctx.session, grant.account_id, grant.payment_detail_id)
    if chosen is None:
        chosen = await details.default_detail(ctx, grant.account_id)
    if chosen is None:
        raise GrantRevoked()
    grant.last_used = ctx.now
    return Funding(chosen.vault_card_id, chosen.vault_bank_account_id, chosen.country)


def card_of(funding: Funding) -> tuple[str, str | None]:
    """(vault card id, card country) of the card a `link` method's funding charges."""
    if funding.vault_card_id is None:
        raise DetailNotACard()
    return funding.vault_card_id, funding.country


async def payment_succeeded(ctx: LinkContext, payment_method_id: str, *, setup_future_usage: bool) -> None:
    """Count the payment (with its lookup-to-payment time, the first time); with `setup_future_usage`
    the merchant may charge the method later, off session."""
    grant = await _active_grant(ctx, payment_method_id)
    if setup_future_usage:
        grant.off_session = True
    seconds = None if grant.lookup_at is None else ctx.now - grant.lookup_at
    grant.lookup_at = None
    await metrics.record(ctx.session, ctx.scope, "payment", ctx.now, seconds)


async def setup_succeeded(ctx: LinkContext, payment_method_id: str, *, off_session: bool) -> None:
    """A SetupIntent verified the chosen detail: with `usage=off_session` the merchant may charge it later.

    Nothing was paid, so no payment is counted in the metrics."""
    grant = await _active_grant(ctx, payment_method_id)
    if off_session:
        grant.off_session = True
    grant.lookup_at = None


async def list_grants(ctx: LinkContext, account: LinkAccount) -> Sequence[LinkGrant]:
    return await repository.grants(ctx.session, account.id)


async def revoke(ctx: LinkContext, account: LinkAccount, grant_id: str) -> LinkGrant:
    grant = await repository.grant(ctx.session, account.id, grant_id, for_update=True)
    if grant is None:
        raise GrantNotFound(grant_id)
    await _revoke(ctx, grant)
    return grant


async def _revoke(ctx: LinkContext, grant: LinkGrant) -> None:
    if grant.status == LinkGrantStatus.REVOKED:
        return
    grant.status, grant.revoked_at = LinkGrantStatus.REVOKED, ctx.now
    merchant_scope = Scope(grant.merchant_id, grant.livemode)
    await payment_methods.link_revoked(ctx.session, merchant_scope, grant.payment_method_id, now=ctx.now)


async def revoke_all(ctx: LinkContext, account: LinkAccount) -> None:
    for grant in await repository.grants(ctx.session, account.id):
        await _revoke(ctx, grant)
