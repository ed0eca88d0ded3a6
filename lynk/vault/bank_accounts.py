"""US bank accounts in the vault: the account number is checked, fingerprinted and sealed here, like a PAN.

Only the routing number (public: it names the bank), the last four digits and the bank's name
leave the vault. The fingerprint is keyed with the same per-mode secret as card fingerprints,
over the routing and account numbers, so the same account has the same fingerprint at every merchant.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.models import VaultBankAccount
from lynk.vault import crypto, repository
from lynk.vault.errors import AccountNumberInvalid, RoutingNumberInvalid
from lynk.vault.keyring import Keyring
from lynk.vault.service import FINGERPRINT, _fingerprint, _secret

_BANK_NAMES = {
    "110000000": "STRIPE TEST BANK",
    "011000015": "FEDERAL RESERVE BANK",
    "021000021": "JPMORGAN CHASE",
    "026009593": "BANK OF AMERICA, N.A.",
    "121000248": "WELLS FARGO BANK",
}


@dataclass(frozen=True)
class BankAccountFacts:
    routing_number: str
    last4: str
    bank_name: str | None


@dataclass(frozen=True)
class StoredBankAccount:
    id: str
    facts: BankAccountFacts
    fingerprint: str


def check_routing_number(value: str) -> str:
    """Nine digits whose ABA checksum (weights 3, 7, 1) is a multiple of 10."""
    digits = value.strip()
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        raise RoutingNumberInvalid()
    weights = (3, 7, 1) * 3
    if sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10:
        raise RoutingNumberInvalid()
    return digits


def check_account_number(value: str) -> str:
    digits = value.strip()
    if not 4 <= len(digits) <= 17 or not digits.isascii() or not digits.isdigit():
        raise AccountNumberInvalid()
    return digits


async def store_bank_account(
    session: AsyncSession, keyring: Keyring, *, livemode: bool, routing_number: str, account_number: str, now: int
) -> StoredBankAccount:
    """Check and seal a bank account; only its safe facts come back."""
    routing = check_routing_number(routing_number)
    account = check_account_number(account_number)
    key = await _secret(session, keyring, FINGERPRINT, livemode, now, remember=True)
    fingerprint = _fingerprint(key, f"ach:{routing}:{account}")
    row_id = new_id("vbank")
    sealed = crypto.seal(keyring.current, account.encode(), record_id=row_id)
    facts = BankAccountFacts(routing, account[-4:], _BANK_NAMES.get(routing))
    await repository.add(
        session,
        VaultBankAccount(
            id=row_id,
            created=now,
            livemode=livemode,
            key_id=sealed.key_id,
            wrapped_key=sealed.wrapped_key,
            ciphertext=sealed.ciphertext,
            fingerprint=fingerprint,
            routing_number=facts.routing_number,
            last4=facts.last4,
            bank_name=facts.bank_name,
        ),
    )
    return StoredBankAccount(row_id, facts, fingerprint)


async def bank_account_facts(session: AsyncSession, bank_account_id: str) -> BankAccountFacts | None:
    """The safe facts of a stored bank account, for connectors."""
    row = await repository.get_bank_account(session, bank_account_id)
    if row is None:
        return None
    return BankAccountFacts(row.routing_number, row.last4, row.bank_name)


async def erase_bank_account(session: AsyncSession, bank_account_id: str) -> None:
    """Delete a sealed bank account for good (a Link shopper removing it, or deleting the account)."""
    row = await repository.get_bank_account(session, bank_account_id)
    if row is not None:
        await session.delete(row)
        await session.flush()
