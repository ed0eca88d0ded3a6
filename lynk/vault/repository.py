"""All queries on vault_cards, vault_bank_accounts and vault_secrets."""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models import ProcessorAccount, VaultBankAccount, VaultCard, VaultSecret


async def add(session: AsyncSession, row: VaultCard | VaultBankAccount | VaultSecret) -> None:
    session.add(row)
    await session.flush()


_STORED = "lynk_vault_stored_cards"


async def add_card(session: AsyncSession, card: VaultCard) -> None:
    """Store a card; the session keeps it (`card_in_session`) for the rest of the request."""
    await add(session, card)
    session.info.setdefault(_STORED, {})[card.id] = card


async def card_for_facts(session: AsyncSession, card_id: str) -> VaultCard | None:
    """The card for its facts: the one this session stored or already read, else read (and kept by the session,
    so a payment's stages, its risk check and its charge read it once)."""
    card = card_in_session(session, card_id) or await get_card(session, card_id)
    if card is not None:
        session.info.setdefault(_STORED, {})[card.id] = card
    return card


def card_in_session(session: AsyncSession, card_id: str) -> VaultCard | None:
    """The card if this session stored it (or read it through `card_for_facts`) and it is still there (not
    rolled back, not deleted, not expired): the very object a SELECT would hand back from the session's identity
    map, without the round trip. A card's facts never change (an expiry update changes this same object)."""
    card: VaultCard | None = session.info.get(_STORED, {}).get(card_id)
    if card is None:
        return None
    state = inspect(card)
    return card if state.persistent and not state.expired_attributes else None


async def get_card(session: AsyncSession, card_id: str) -> VaultCard | None:
    card: VaultCard | None = (await session.scalars(select(VaultCard).where(VaultCard.id == card_id))).first()
    return card


async def get_secret(session: AsyncSession, purpose: str, livemode: bool) -> VaultSecret | None:
    stmt = select(VaultSecret).where(VaultSecret.purpose == purpose, VaultSecret.livemode == livemode)
    secret: VaultSecret | None = (await session.scalars(stmt)).first()
    return secret


async def cards_not_under(session: AsyncSession, key_id: str, *, after_pk: int, limit: int) -> list[VaultCard]:
    stmt = (
        select(VaultCard)
        .where(VaultCard.key_id != key_id, VaultCard.pk > after_pk)
        .order_by(VaultCard.pk)
        .limit(limit)
        .with_for_update()
    )
    return list((await session.scalars(stmt)).all())


async def secrets_not_under(session: AsyncSession, key_id: str) -> list[VaultSecret]:
    stmt = select(VaultSecret).where(VaultSecret.key_id != key_id).with_for_update()
    return list((await session.scalars(stmt)).all())


async def processor_credentials_not_under(session: AsyncSession, key_id: str) -> list[ProcessorAccount]:
    """Processor accounts whose sealed secret key is wrapped by another master key (few: all in one go)."""
    stmt = select(ProcessorAccount).where(ProcessorAccount.key_id != key_id).with_for_update()
    return list((await session.scalars(stmt)).all())


async def cards_page(session: AsyncSession, *, after_pk: int, limit: int) -> list[VaultCard]:
    stmt = select(VaultCard).where(VaultCard.pk > after_pk).order_by(VaultCard.pk).limit(limit)
    return list((await session.scalars(stmt)).all())


async def get_bank_account(session: AsyncSession, bank_account_id: str) -> VaultBankAccount | None:
    stmt = select(VaultBankAccount).where(VaultBankAccount.id == bank_account_id)
    found: VaultBankAccount | None = (await session.scalars(stmt)).first()
    return found


async def bank_accounts_not_under(
    session: AsyncSession, key_id: str, *, after_pk: int, limit: int
) -> list[VaultBankAccount]:
    stmt = (
        select(VaultBankAccount)
        .where(VaultBankAccount.key_id != key_id, VaultBankAccount.pk > after_pk)
        .order_by(VaultBankAccount.pk)
        .limit(limit)
        .with_for_update()
    )
    return list((await session.scalars(stmt)).all())
