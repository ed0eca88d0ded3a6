"""Vault use cases: store a card, fingerprint it, rotate the master key, verify every record.

`store_card` is where a PAN enters and the last place it exists in plaintext: it is
checked (Luhn, expiry, CVC format), fingerprinted, sealed, and only its safe facts
leave. The CVC is checked and forgotten.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.db import Database
from lynk.core.ids import new_id
from lynk.core.settled import Settled
from lynk.models import ProcessorAccount, VaultBankAccount, VaultCard, VaultSecret
from lynk.vault import cards, crypto, repository
from lynk.vault.cards import CardFacts
from lynk.vault.errors import LiveModeTestCard
from lynk.vault.keyring import Keyring
from lynk.vault.sandbox_cards import KNOWN_TEST_NUMBERS, TEST_CARD_NUMBERS

FINGERPRINT = "fingerprint"
Sealed = crypto.Sealed  # what `seal_secret` gives other domains to store
ROTATE_BATCH = 200


@dataclass(frozen=True)
class StoredCard:
    id: str
    facts: CardFacts
    fingerprint: str
    cvc_check: str | None  # "pass" when a CVC was given and well formed; None when none was given


# A secret never changes once created (rotation seals the same bytes again).
_known: Settled[tuple[str, bool], bytes] = Settled("vault_secrets")


async def _secret(
    session: AsyncSession, keyring: Keyring, purpose: str, livemode: bool, now: int, *, remember: bool = False
) -> bytes:
    """The sealed secret for (purpose, mode), created on first use; `remember`: kept by the process once read
    (for the hot path: a card's fingerprint, the keyed secrets; the audit in `verify` unseals it every time)."""
    if remember and (secret := _known.get(session, (purpose, livemode))) is not None:
        return secret
    row = await repository.get_secret(session, purpose, livemode)
    if row is None:
        row_id = new_id("vsec")
        sealed = crypto.seal(keyring.current, secrets.token_bytes(32), record_id=row_id)
        candidate = VaultSecret(
            id=row_id,
            purpose=purpose,
            livemode=livemode,
            key_id=sealed.key_id,
            wrapped_key=sealed.wrapped_key,
            ciphertext=sealed.ciphertext,
            created=now,
        )
        try:
            async with session.begin_nested():
                await repository.add(session, candidate)
            row = candidate
            _known.wrote(session, (purpose, livemode))
        except IntegrityError:  # another request created it first
            row = await repository.get_secret(session, purpose, livemode)
            assert row is not None
    sealed = crypto.Sealed(row.key_id, row.wrapped_key, row.ciphertext)
    secret = crypto.unseal(keyring.get(row.key_id), sealed, record_id=row.id)
    if remember:  # not when this session created it (`wrote`): it may still roll back
        _known.keep(session, (purpose, livemode), secret)
    return secret


def _fingerprint(key: bytes, number: str) -> str:
    digest = hmac.new(key, number.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=")[:16]


async def store_card(
    session: AsyncSession,
    keyring: Keyring,
    *,
    livemode: bool,
    number: str,
    exp_month: int,
    exp_year: int,
    cvc: str | None,
    now: int,
    today: tuple[int, int],
) -> StoredCard:
    """Check and seal a card. `today` is (year, month) for the expiry check."""
    pan = cards.check_number(number)
    if livemode and pan in KNOWN_TEST_NUMBERS:
        raise LiveModeTestCard()
    month, year = cards.check_expiry(exp_month, exp_year, now_year=today[0], now_month=today[1])
    card_facts = cards.facts(pan, month, year)
    if cvc is not None:
        cards.check_cvc(cvc, card_facts.brand)
    fingerprint = _fingerprint(await _secret(session, keyring, FINGERPRINT, livemode, now, remember=True), pan)
    card_id = new_id("vcard")
    sealed = crypto.seal(keyring.current, pan.encode(), record_id=card_id)
    await repository.add_card(
        session,
        VaultCard(
            id=card_id,
            created=now,
            livemode=livemode,
            key_id=sealed.key_id,
            wrapped_key=sealed.wrapped_key,
            ciphertext=sealed.ciphertext,
            fingerprint=fingerprint,
            brand=card_facts.brand,
            last4=card_facts.last4,
            bin=card_facts.bin,
            funding=card_facts.funding,
            country=card_facts.country,
            exp_month=month,
            exp_year=year,
        ),
    )
    return StoredCard(card_id, card_facts, fingerprint, "pass" if cvc is not None else None)


async def store_test_card(
    session: AsyncSession, keyring: Keyring, name: str, *, now: int, today: tuple[int, int]
) -> StoredCard:
    """A fresh stored card for a test payment method name (`visa`, `chargeDeclined`…), test mode only."""
    return await store_card(
        session,
        keyring,
        livemode=False,
        number=TEST_CARD_NUMBERS[name],
        exp_month=12,
        exp_year=today[0] + 8,
        cvc=None,
        now=now,
        today=today,
    )


async def update_expiry(
    session: AsyncSession, card_id: str, exp_month: int, exp_year: int, *, today: tuple[int, int]
) -> tuple[int, int]:
    """Check and store a new expiry for a stored card; returns (month, four-digit year)."""
    month, year = cards.check_expiry(exp_month, exp_year, now_year=today[0], now_month=today[1])
    card = await repository.get_card(session, card_id)
    if card is not None:
        card.exp_month, card.exp_year = month, year
    return month, year


async def copy_card(session: AsyncSession, keyring: Keyring, card_id: str, *, now: int) -> StoredCard | None:
    """A new sealed record of the same card (for a shopper's Link wallet), with its own lifetime."""
    card = await repository.get_card(session, card_id)
    if card is None:
        return None
    pan = crypto.unseal(
        keyring.get(card.key_id), crypto.Sealed(card.key_id, card.wrapped_key, card.ciphertext), record_id=card.id
    )
    copy_id = new_id("vcard")
    sealed = crypto.seal(keyring.current, pan, record_id=copy_id)
    await repository.add(
        session,
        VaultCard(
            id=copy_id,
            created=now,
            livemode=card.livemode,
            key_id=sealed.key_id,
            wrapped_key=sealed.wrapped_key,
            ciphertext=sealed.ciphertext,
            fingerprint=card.fingerprint,
            brand=card.brand,
            last4=card.last4,
            bin=card.bin,
            funding=card.funding,
            country=card.country,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        ),
    )
    facts = CardFacts(card.brand, card.last4, card.bin, card.funding, card.country, card.exp_month, card.exp_year)
    return StoredCard(copy_id, facts, card.fingerprint, None)


async def erase_card(session: AsyncSession, card_id: str) -> None:
    """Delete a sealed card for good (a shopper's account deletion)."""
    card = await repository.get_card(session, card_id)
    if card is not None:
        await session.delete(card)
        await session.flush()


async def keyed_secret(session: AsyncSession, keyring: Keyring, purpose: str, livemode: bool, now: int) -> bytes:
    """A 32-byte secret for (purpose, mode), sealed under the master key: HMAC keys for codes and cookies.

    Kept by the process once read, like the fingerprint key (a secret never changes once created): a Link
    code's hash or a device cookie's MAC costs no round trip after the first."""
    return await _secret(session, keyring, purpose, livemode, now, remember=True)


async def card_facts(session: AsyncSession, card_id: str) -> CardFacts | None:
    """The safe facts of a stored card (BIN, last4, brand, expiry), for connectors and risk."""
    card = await repository.card_for_facts(session, card_id)
    if card is None:
        return None
    return CardFacts(card.brand, card.last4, card.bin, card.funding, card.country, card.exp_month, card.exp_year)


async def card_fingerprint(session: AsyncSession, card_id: str) -> str | None:
    """The network-wide keyed fingerprint of a stored card (the same card at every merchant), for risk."""
    card = await repository.card_for_facts(session, card_id)
    return None if card is None else card.fingerprint


async def rotate(db: Database, keyring: Keyring) -> int:
    """Re-wrap every record (secrets, processor credentials, cards, bank accounts) not under the current master
    key, in small transactions.

    Servers keep reading throughout: each row changes atomically, and a server whose
    keyring lacks the new key reloads it when it meets it. Returns how many were re-wrapped.
    """
    current = keyring.current
    done = 0
    async with db.transaction() as session:
        for secret in await repository.secrets_not_under(session, current.key_id):
            _rewrap_row(keyring, secret)
            done += 1
        for account in await repository.processor_credentials_not_under(session, current.key_id):
            _rewrap_row(keyring, account)
            done += 1
    for fetch in (repository.cards_not_under, repository.bank_accounts_not_under):
        after = 0
        while True:
            async with db.transaction() as session:
                batch: Sequence[VaultCard | VaultBankAccount] = await fetch(
                    session, current.key_id, after_pk=after, limit=ROTATE_BATCH
                )
                for row in batch:
                    _rewrap_row(keyring, row)
            if not batch:
                break
            done += len(batch)
            after = batch[-1].pk
    return done


def _rewrap_row(keyring: Keyring, row: VaultCard | VaultBankAccount | VaultSecret | ProcessorAccount) -> None:
    sealed = crypto.Sealed(row.key_id, row.wrapped_key, row.ciphertext)
    fresh = crypto.rewrap(keyring.get(row.key_id), keyring.current, sealed, record_id=row.id)
    row.key_id, row.wrapped_key = fresh.key_id, fresh.wrapped_key


@dataclass(frozen=True)
class VerifyReport:
    cards: int
    by_key: dict[str, int]
    broken: list[str]  # ids of cards that fail to open or no longer match their facts


async def verify(db: Database, keyring: Keyring) -> VerifyReport:
    """Open every card and check it against its stored last4, fingerprint and brand."""
    by_key: dict[str, int] = {}
    broken: list[str] = []
    count = 0
    after = 0
    while True:
        async with db.transaction(write=False) as session:
            batch = await repository.cards_page(session, after_pk=after, limit=ROTATE_BATCH)
            for card in batch:
                count += 1
                by_key[card.key_id] = by_key.get(card.key_id, 0) + 1
                if not await _card_intact(session, keyring, card):
                    broken.append(card.id)
        if not batch:
            return VerifyReport(count, by_key, broken)
        after = batch[-1].pk


async def _card_intact(session: AsyncSession, keyring: Keyring, card: VaultCard) -> bool:
    try:
        sealed = crypto.Sealed(card.key_id, card.wrapped_key, card.ciphertext)
        pan = crypto.unseal(keyring.get(card.key_id), sealed, record_id=card.id).decode()
        key = await _secret(session, keyring, FINGERPRINT, card.livemode, card.created)
    except Exception:
        return False
    return pan.endswith(card.last4) and cards.brand_of(pan) == card.brand and _fingerprint(key, pan) == card.fingerprint


async def reveal_number(session: AsyncSession, keyring: Keyring, card_id: str, *, livemode: bool) -> str | None:
    """The number of a stored card, for the one request a processor needs it in (a connector's
    `Detokenize`): never stored, logged or returned elsewhere. None if there is no such card in `livemode`."""
    card = await repository.get_card(session, card_id)
    if card is None or card.livemode != livemode:
        return None
    sealed = crypto.Sealed(card.key_id, card.wrapped_key, card.ciphertext)
    return crypto.unseal(keyring.get(card.key_id), sealed, record_id=card.id).decode()


def seal_secret(keyring: Keyring, plaintext: str, *, record_id: str) -> crypto.Sealed:
    """Seal an operator's credential (a processor's secret key) bound to its record's id."""
    return crypto.seal(keyring.current, plaintext.encode(), record_id=record_id)


def unseal_secret(keyring: Keyring, key_id: str, wrapped_key: bytes, ciphertext: bytes, *, record_id: str) -> str:
    """The credential sealed by `seal_secret` for `record_id`."""
    sealed = crypto.Sealed(key_id, wrapped_key, ciphertext)
    return crypto.unseal(keyring.get(key_id), sealed, record_id=record_id).decode()
