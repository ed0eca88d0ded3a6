"""The shopper's wallet: saved payment details (cards and US bank accounts, sealed in the vault) and
shipping addresses, each with a default.

Cards go through the Payments core's card handling (`payment_methods.service.seal_card`) and bank
accounts through its `us_bank_account` handling (`payment_methods.bank_accounts.seal`), so the same
checks apply. A detail whose fingerprint is already saved is not saved twice: the saved detail is
returned and the new sealed copy erased. Each detail is its own sealed copy, erased with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from lynk.core.clock import year_month
from lynk.core.errors import CardError, InvalidRequestError, ParameterMissing
from lynk.core.ids import new_id
from lynk.link import repository
from lynk.link.context import LinkContext
from lynk.link.errors import PaymentDetailNotFound, ShippingAddressNotFound
from lynk.models import LinkAccount, LinkPaymentDetail, LinkShippingAddress
from lynk.payment_methods import bank_accounts
from lynk.payment_methods import service as payment_methods
from lynk.vault import bank_accounts as vault_banks
from lynk.vault import service as vault

EMPTY_ADDRESS = payment_methods.EMPTY_ADDRESS


@dataclass(frozen=True)
class DetailChanges:
    nickname: str | None = None
    billing: dict[str, Any] | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    is_default: bool | None = None


async def list_details(ctx: LinkContext, account: LinkAccount) -> Sequence[LinkPaymentDetail]:
    return await repository.details(ctx.session, account.id)


async def get_detail(ctx: LinkContext, account: LinkAccount, detail_id: str, *, param: str = "id") -> LinkPaymentDetail:
    found = await repository.detail(ctx.session, account.id, detail_id)
    if found is None:
        raise PaymentDetailNotFound(detail_id, param=param)
    return found


async def default_detail(ctx: LinkContext, account_id: str) -> LinkPaymentDetail | None:
    rows = await repository.details(ctx.session, account_id)
    return next((d for d in rows if d.is_default), rows[0] if rows else None)


async def _set_default(ctx: LinkContext, account_id: str, chosen: LinkPaymentDetail) -> None:
    """The new default; merchants' `link` methods follow it from now on, as at Stripe."""
    for row in await repository.details(ctx.session, account_id):
        row.is_default = row.id == chosen.id
    await repository.point_grants_to(ctx.session, account_id, chosen.id)


async def erase_sealed(ctx: LinkContext, row: LinkPaymentDetail) -> None:
    """Erase the detail's own sealed copy (card or bank account)."""
    if row.vault_card_id:
        await vault.erase_card(ctx.session, row.vault_card_id)
    if row.vault_bank_account_id:
        await vault_banks.erase_bank_account(ctx.session, row.vault_bank_account_id)


async def _keep(
    ctx: LinkContext, account: LinkAccount, row: LinkPaymentDetail, *, make_default: bool
) -> LinkPaymentDetail:
    """Save `row` (its sealed copy made already), unless the same card or account is saved: then that one."""
    existing = [d for d in await repository.details(ctx.session, account.id)]
    for saved in existing:
        if saved.fingerprint == row.fingerprint:
            await erase_sealed(ctx, row)
            if make_default:
                await _set_default(ctx, account.id, saved)
            return saved
    row.is_default = not existing
    try:
        async with ctx.session.begin_nested():
            await repository.add(ctx.session, row)
    except IntegrityError:  # the same detail saved by a concurrent request: keep that one
        await erase_sealed(ctx, row)
        raise InvalidRequestError("This detail is being saved by another request; list the details again.") from None
    if make_default and existing:
        await _set_default(ctx, account.id, row)
    return row


async def save_stored_card(
    ctx: LinkContext,
    account: LinkAccount,
    stored: vault.StoredCard,
    *,
    billing: dict[str, Any] | None,
    nickname: str | None,
    make_default: bool,
) -> LinkPaymentDetail:
    """Keep a sealed card as a payment detail, unless the same card is already saved."""
    facts = stored.facts
    row = LinkPaymentDetail(
        id=new_id("csmrpd"),
        created=ctx.now,
        livemode=ctx.scope.livemode,
        account_id=account.id,
        type="card",
        vault_card_id=stored.id,
        fingerprint=stored.fingerprint,
        brand=facts.brand,
        last4=facts.last4,
        exp_month=facts.exp_month,
        exp_year=facts.exp_year,
        funding=facts.funding,
        country=facts.country,
        nickname=nickname,
        billing_details=payment_methods.billing_details(billing),
        is_default=False,
    )
    return await _keep(ctx, account, row, make_default=make_default)


async def add_bank_account(
    ctx: LinkContext,
    account: LinkAccount,
    given: bank_accounts.BankAccountInput,
    *,
    billing: dict[str, Any] | None,
    nickname: str | None,
    make_default: bool,
) -> LinkPaymentDetail:
    """Save a US bank account: the numbers sealed in the vault; the holder's name defaults to the account's."""
    billing = dict(billing or {})
    if not billing.get("name"):
        if not account.name:
            raise ParameterMissing("billing_details[name]")
        billing["name"] = account.name
    stored = await bank_accounts.seal(ctx.session, ctx.keyring, livemode=ctx.scope.livemode, account=given, now=ctx.now)
    row = LinkPaymentDetail(
        id=new_id("csmrpd"),
        created=ctx.now,
        livemode=ctx.scope.livemode,
        account_id=account.id,
        type=bank_accounts.TYPE,
        vault_card_id=None,
        vault_bank_account_id=stored.id,
        fingerprint=stored.fingerprint,
        brand=None,
        last4=stored.facts.last4,
        exp_month=None,
        exp_year=None,
        funding=None,
        country="US",
        bank_name=stored.facts.bank_name,
        account_type=given.account_type or "checking",
        account_holder_type=given.account_holder_type or "individual",
        nickname=nickname,
        billing_details=payment_methods.billing_details(billing),
        is_default=False,
    )
    return await _keep(ctx, account, row, make_default=make_default)


async def add_card(
    ctx: LinkContext,
    account: LinkAccount,
    card: payment_methods.CardInput,
    *,
    billing: dict[str, Any] | None,
    nickname: str | None,
    make_default: bool,
) -> LinkPaymentDetail:
    stored = await seal_card(ctx, card)
    return await save_stored_card(ctx, account, stored, billing=billing, nickname=nickname, make_default=make_default)


async def seal_card(ctx: LinkContext, card: payment_methods.CardInput) -> vault.StoredCard:
    """A card checked and sealed for the wallet, not saved yet (`save_stored_card` keeps it)."""
    return await payment_methods.seal_card(ctx.session, ctx.keyring, ctx.scope, card, secret_key=False, now=ctx.now)


async def update_detail(
    ctx: LinkContext, account: LinkAccount, detail_id: str, changes: DetailChanges
) -> LinkPaymentDetail:
    row = await repository.detail(ctx.session, account.id, detail_id, for_update=True)
    if row is None:
        raise PaymentDetailNotFound(detail_id)
    if changes.nickname is not None:
        row.nickname = changes.nickname or None
    if changes.billing is not None:
        merged = {**row.billing_details, **changes.billing}
        if "address" in changes.billing:
            merged["address"] = {**EMPTY_ADDRESS, **(changes.billing["address"] or {})}
        row.billing_details = payment_methods.billing_details(merged)
    if changes.exp_month is not None or changes.exp_year is not None:
        if row.vault_card_id is None or row.exp_month is None or row.exp_year is None:
            raise InvalidRequestError("Only a card has an expiry date; this detail is a bank account.", param="card")
        try:
            row.exp_month, row.exp_year = await vault.update_expiry(
                ctx.session,
                row.vault_card_id,
                changes.exp_month if changes.exp_month is not None else row.exp_month,
                changes.exp_year if changes.exp_year is not None else row.exp_year,
                today=year_month(ctx.now),
            )
        except CardError as error:
            error.param = f"card[{error.param}]" if error.param else None
            raise
    if changes.is_default:
        await _set_default(ctx, account.id, row)
    await ctx.session.flush()
    return row


async def remove_detail(ctx: LinkContext, account: LinkAccount, detail_id: str) -> LinkPaymentDetail:
    """Forget a detail: its sealed copy is erased; grants that chose it follow the default from now on."""
    row = await repository.detail(ctx.session, account.id, detail_id, for_update=True)
    if row is None:
        raise PaymentDetailNotFound(detail_id)
    await repository.forget_detail_in_grants(ctx.session, row.id)
    await repository.delete_row(ctx.session, row)
    await erase_sealed(ctx, row)
    if row.is_default:
        rest = await repository.details(ctx.session, account.id)
        if rest:
            rest[0].is_default = True
    return row


@dataclass(frozen=True)
class AddressInput:
    name: str | None = None
    phone: str | None = None
    address: dict[str, Any] | None = None
    is_default: bool | None = None


async def list_addresses(ctx: LinkContext, account: LinkAccount) -> Sequence[LinkShippingAddress]:
    return await repository.addresses(ctx.session, account.id)


async def _address_default(ctx: LinkContext, account_id: str, chosen: LinkShippingAddress) -> None:
    for row in await repository.addresses(ctx.session, account_id):
        row.is_default = row.id == chosen.id


async def add_address(ctx: LinkContext, account: LinkAccount, given: AddressInput) -> LinkShippingAddress:
    existing = await repository.addresses(ctx.session, account.id)
    row = LinkShippingAddress(
        id=new_id("csmrsa"),
        created=ctx.now,
        livemode=ctx.scope.livemode,
        account_id=account.id,
        name=given.name,
        phone=given.phone,
        address={**EMPTY_ADDRESS, **(given.address or {})},
        is_default=not existing,
    )
    await repository.add(ctx.session, row)
    if given.is_default and existing:
        await _address_default(ctx, account.id, row)
    return row


async def update_address(
    ctx: LinkContext, account: LinkAccount, address_id: str, given: AddressInput
) -> LinkShippingAddress:
    row = await repository.address(ctx.session, account.id, address_id)
    if row is None:
        raise ShippingAddressNotFound(address_id)
    if given.name is not None:
        row.name = given.name or None
    if given.phone is not None:
        row.phone = given.phone or None
    if given.address is not None:
        row.address = {**EMPTY_ADDRESS, **row.address, **given.address}
    if given.is_default:
        await _address_default(ctx, account.id, row)
    await ctx.session.flush()
    return row


async def remove_address(ctx: LinkContext, account: LinkAccount, address_id: str) -> LinkShippingAddress:
    row = await repository.address(ctx.session, account.id, address_id)
    if row is None:
        raise ShippingAddressNotFound(address_id)
    await repository.delete_row(ctx.session, row)
    if row.is_default:
        rest = await repository.addresses(ctx.session, account.id)
        if rest:
            rest[0].is_default = True
    return row
