"""The ledger's audit: every invariant of the books, checked from the rows alone.

`verify` deliberately shares no query with `repository`: a bug in the code that writes the
books should not be able to hide itself from the code that audits them. It reads everything,
so it belongs in a scheduled job or `lynk ledger verify`, not in a request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models.ledger import (
    MERCHANT_KINDS,
    AccountKind,
    BalanceStatus,
    BalanceTransaction,
    JournalEntry,
    LedgerAccount,
    Posting,
)

_MERCHANT_KINDS = [str(kind) for kind in MERCHANT_KINDS]
_STATUS_OF_KIND = {str(AccountKind.PENDING): BalanceStatus.PENDING, str(AccountKind.AVAILABLE): BalanceStatus.AVAILABLE}


@dataclass(frozen=True)
class LedgerStats:
    accounts: int
    entries: int
    postings: int
    balance_transactions: int


async def stats(session: AsyncSession) -> LedgerStats:
    async def count(model: Any) -> int:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())

    return LedgerStats(
        accounts=await count(LedgerAccount),
        entries=await count(JournalEntry),
        postings=await count(Posting),
        balance_transactions=await count(BalanceTransaction),
    )


def _mode(livemode: bool) -> str:
    return "live" if livemode else "test"


async def _entries_and_postings(session: AsyncSession) -> list[str]:
    breaches: list[str] = []
    debits, credits = func.sum(Posting.debit), func.sum(Posting.credit)
    unbalanced = (
        select(Posting.entry_id, Posting.currency, debits, credits)
        .group_by(Posting.entry_id, Posting.currency)
        .having(debits != credits)
    )
    for entry_id, currency, debit, credit in (await session.execute(unbalanced)).all():
        breaches.append(f"entry {entry_id} does not balance in {currency}: debits {debit} != credits {credit}")
    one_side = or_(and_(Posting.debit > 0, Posting.credit == 0), and_(Posting.debit == 0, Posting.credit > 0))
    malformed = select(Posting.pk, Posting.entry_id, Posting.debit, Posting.credit).where(~one_side)
    for pk, entry_id, debit, credit in (await session.execute(malformed)).all():
        breaches.append(
            f"posting {pk} of entry {entry_id} needs exactly one positive side: debit {debit}, credit {credit}"
        )
    thin = (
        select(JournalEntry.id, func.count(Posting.pk))
        .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id)
        .having(func.count(Posting.pk) < 2)
    )
    for entry_id, postings in (await session.execute(thin)).all():
        breaches.append(f"entry {entry_id} has {postings} postings; an entry needs at least two")
    orphans = select(Posting.pk, Posting.entry_id).where(
        ~select(JournalEntry.id).where(JournalEntry.id == Posting.entry_id).exists()
    )
    for pk, entry_id in (await session.execute(orphans)).all():
        breaches.append(f"posting {pk} belongs to no entry (entry {entry_id} is missing)")
    foreign = (
        select(Posting.pk, Posting.entry_id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(LedgerAccount, LedgerAccount.pk == Posting.account_pk)
        .outerjoin(BalanceTransaction, BalanceTransaction.id == JournalEntry.balance_transaction_id)
        .where(
            or_(
                LedgerAccount.merchant_id != JournalEntry.merchant_id,
                LedgerAccount.livemode != JournalEntry.livemode,
                LedgerAccount.currency != Posting.currency,
                BalanceTransaction.merchant_id != JournalEntry.merchant_id,
                BalanceTransaction.livemode != JournalEntry.livemode,
                BalanceTransaction.currency != Posting.currency,
            )
        )
    )
    for pk, entry_id in (await session.execute(foreign)).all():
        breaches.append(f"posting {pk} of entry {entry_id} is on an account of another scope or currency")
    return breaches


def _transaction_breaches(txn: Any, effect: dict[str, int], booked: bool) -> list[str]:
    """What is wrong with one balance transaction, given what its entries did to the merchant's accounts."""
    found: list[str] = []
    name = f"balance transaction {txn.id}"
    if txn.net != txn.amount - txn.fee:
        found.append(f"{name}: net {txn.net} != amount {txn.amount} - fee {txn.fee}")
    if txn.fee < 0:
        found.append(f"{name}: negative fee {txn.fee}")
    details = txn.fee_details or []
    if sum(int(d.get("amount", 0)) for d in details) != txn.fee or any(
        d.get("currency") != txn.currency for d in details
    ):
        found.append(f"{name}: fee_details do not add up to fee {txn.fee} {txn.currency}")
    if txn.currency != txn.currency.lower():
        found.append(f"{name}: currency {txn.currency!r} is not lowercase")
    if txn.type == "charge" and txn.amount <= 0:
        found.append(f"{name}: a charge with amount {txn.amount}")
    if txn.type == "refund" and (txn.amount >= 0 or txn.fee != 0):
        found.append(f"{name}: a refund needs a negative amount and no fee (amount {txn.amount}, fee {txn.fee})")
    if txn.status not in set(BalanceStatus):
        found.append(f"{name}: unknown status {txn.status!r}")
    if not booked:
        found.append(f"{name} has no journal entry")
    for kind, status in _STATUS_OF_KIND.items():
        expected = txn.net if txn.status == status else 0
        if effect.get(kind, 0) != expected:
            found.append(f"{name} ({txn.status}) put {effect.get(kind, 0)} in {kind}, expected {expected}")
    return found


async def _transactions(session: AsyncSession) -> list[str]:
    breaches: list[str] = []
    effects: dict[str | None, dict[str, int]] = defaultdict(dict)
    stmt = (
        select(JournalEntry.balance_transaction_id, LedgerAccount.kind, func.sum(Posting.credit - Posting.debit))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.pk == Posting.account_pk)
        .where(LedgerAccount.kind.in_(_MERCHANT_KINDS))
        .group_by(JournalEntry.balance_transaction_id, LedgerAccount.kind)
    )
    for txn_id, kind, total in (await session.execute(stmt)).all():
        effects[txn_id][kind] = int(total)
    if None in effects:
        breaches.append(f"entries without a balance transaction move merchant funds: {effects[None]}")
    booked_stmt = (
        select(JournalEntry.balance_transaction_id).where(JournalEntry.balance_transaction_id.is_not(None)).distinct()
    )
    booked = set((await session.scalars(booked_stmt)).all())
    result = await session.stream(select(BalanceTransaction).execution_options(yield_per=1000))
    async for txn in result.scalars():
        breaches.extend(_transaction_breaches(txn, effects.get(txn.id, {}), txn.id in booked))
    return breaches


async def _scope_totals(session: AsyncSession) -> list[str]:
    """Per merchant, mode and currency: each merchant account equals the nets of its balance transactions;
    fee revenue equals their fees."""
    breaches: list[str] = []
    accounts_stmt = (
        select(
            LedgerAccount.merchant_id,
            LedgerAccount.livemode,
            LedgerAccount.currency,
            LedgerAccount.kind,
            func.coalesce(func.sum(Posting.credit - Posting.debit), 0),
        )
        .outerjoin(Posting, Posting.account_pk == LedgerAccount.pk)
        .where(LedgerAccount.kind.in_([*_MERCHANT_KINDS, str(AccountKind.FEE_REVENUE)]))
        .group_by(LedgerAccount.merchant_id, LedgerAccount.livemode, LedgerAccount.currency, LedgerAccount.kind)
    )
    ledger: dict[tuple[str, bool, str, str], int] = defaultdict(int)
    for merchant_id, livemode, currency, kind, total in (await session.execute(accounts_stmt)).all():
        ledger[(merchant_id, bool(livemode), currency, kind)] = int(total)
    nets_stmt = select(
        BalanceTransaction.merchant_id,
        BalanceTransaction.livemode,
        BalanceTransaction.currency,
        BalanceTransaction.status,
        func.sum(BalanceTransaction.net),
        func.sum(BalanceTransaction.fee),
    ).group_by(
        BalanceTransaction.merchant_id,
        BalanceTransaction.livemode,
        BalanceTransaction.currency,
        BalanceTransaction.status,
    )
    expected: dict[tuple[str, bool, str, str], int] = defaultdict(int)
    for merchant_id, livemode, currency, status, nets, fees in (await session.execute(nets_stmt)).all():
        expected[(merchant_id, bool(livemode), currency, str(status))] += int(nets)
        expected[(merchant_id, bool(livemode), currency, str(AccountKind.FEE_REVENUE))] += int(fees)
    for key in sorted(set(ledger) | set(expected)):
        merchant_id, livemode, currency, kind = key
        if ledger[key] != expected[key]:
            what = "fees" if kind == AccountKind.FEE_REVENUE else f"{kind} nets"
            breaches.append(
                f"merchant {merchant_id} ({_mode(livemode)}, {currency}): {kind} balance {ledger[key]} "
                f"!= sum of balance transaction {what} {expected[key]}"
            )
    return breaches


async def verify(session: AsyncSession) -> list[str]:
    """Every breach of the ledger's invariants, as text; an empty list means the books are healthy."""
    return [
        *await _entries_and_postings(session),
        *await _transactions(session),
        *await _scope_totals(session),
    ]
