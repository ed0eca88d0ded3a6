"""All of the ledger's queries for writing and reading the books (the audit has its own, in `invariants`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.pagination import Page, PageRequest, paginate, scoped_select
from lynk.core.scope import Scope
from lynk.core.settled import Settled
from lynk.models.ledger import (
    ACCOUNT_SIDES,
    AccountKind,
    BalanceStatus,
    BalanceTransaction,
    JournalEntry,
    LedgerAccount,
    Posting,
)


@dataclass(frozen=True)
class Leg:
    """One posting to be written: a positive amount on one side of one account."""

    account_pk: int
    debit: int = 0
    credit: int = 0


async def _dialect(session: AsyncSession) -> str:
    return (await session.connection()).dialect.name


# Accounts are append-only (a trigger refuses UPDATE and DELETE): once a process has read all of a scope's
# accounts in a currency, it keeps their pks.
_known: Settled[tuple[str, bool, str], dict[AccountKind, int]] = Settled("ledger_accounts")


async def ensure_accounts(session: AsyncSession, scope: Scope, currency: str, *, now: int) -> dict[AccountKind, int]:
    """The pk of each kind of account of `scope` in `currency`, creating the missing ones."""
    key = (scope.merchant_id, scope.livemode, currency)
    if (known := _known.get(session, key)) is not None:
        return dict(known)

    async def load() -> dict[AccountKind, int]:
        stmt = select(LedgerAccount.kind, LedgerAccount.pk).where(
            LedgerAccount.merchant_id == scope.merchant_id,
            LedgerAccount.livemode == scope.livemode,
            LedgerAccount.currency == currency,
        )
        return {AccountKind(kind): pk for kind, pk in (await session.execute(stmt)).all() if kind in ACCOUNT_SIDES}

    found = await load()
    missing = [kind for kind in AccountKind if kind not in found]
    if not missing:
        _known.keep(session, key, dict(found))
        return found
    rows = [
        {
            "merchant_id": scope.merchant_id,
            "livemode": scope.livemode,
            "currency": currency,
            "kind": str(kind),
            "normal_side": str(ACCOUNT_SIDES[kind]),
            "created": now,
        }
        for kind in missing
    ]
    dialect = postgresql if await _dialect(session) == "postgresql" else sqlite
    # A concurrent transaction may create the same accounts: then theirs are used.
    await session.execute(dialect.insert(LedgerAccount).values(rows).on_conflict_do_nothing())
    _known.wrote(session, key)
    return await load()


async def lock_account(session: AsyncSession, account_pk: int) -> None:
    """Serialize writers on one account (`FOR UPDATE` on PostgreSQL; SQLite writers are serialized already)."""
    await session.execute(select(LedgerAccount.pk).where(LedgerAccount.pk == account_pk).with_for_update())


_INSERT_ENTRY = insert(JournalEntry.__table__)  # type: ignore[arg-type]  # built once: a Core INSERT, bound per entry


async def post_entry(
    session: AsyncSession,
    scope: Scope,
    *,
    kind: str,
    currency: str,
    legs: Sequence[Leg],
    balance_transaction_id: str | None,
    description: str | None,
    now: int,
) -> str:
    """Write the postings, then the entry row that seals them (the order the SQLite triggers rely on)."""
    entry_id = new_id("je")
    await session.flush()  # pending ORM rows (the balance transaction) go in before the entry refers to them
    await session.execute(
        insert(Posting),
        [
            {
                "entry_id": entry_id,
                "account_pk": leg.account_pk,
                "currency": currency,
                "debit": leg.debit,
                "credit": leg.credit,
            }
            for leg in legs
        ],
    )
    entry = {
        "id": entry_id,
        "merchant_id": scope.merchant_id,
        "livemode": scope.livemode,
        "kind": kind,
        "balance_transaction_id": balance_transaction_id,
        "description": description,
        "created": now,
    }
    await session.execute(_INSERT_ENTRY, entry)
    return entry_id


async def account_balances(
    session: AsyncSession, scope: Scope, kinds: Sequence[AccountKind]
) -> dict[tuple[str, str], int]:
    """{(kind, currency): balance on the account's normal side} for the scope's accounts of `kinds`."""
    signed = func.coalesce(func.sum(Posting.credit - Posting.debit), 0)
    stmt = (
        select(LedgerAccount.kind, LedgerAccount.currency, LedgerAccount.normal_side, signed)
        .outerjoin(Posting, Posting.account_pk == LedgerAccount.pk)
        .where(
            LedgerAccount.merchant_id == scope.merchant_id,
            LedgerAccount.livemode == scope.livemode,
            LedgerAccount.kind.in_([str(k) for k in kinds]),
        )
        .group_by(LedgerAccount.kind, LedgerAccount.currency, LedgerAccount.normal_side)
    )
    return {
        (kind, currency): int(total) if side == "credit" else -int(total)
        for kind, currency, side, total in (await session.execute(stmt)).all()
    }


async def add_balance_transaction(session: AsyncSession, txn: BalanceTransaction) -> None:
    session.add(txn)
    await session.flush()


async def by_booking_key(session: AsyncSession, booking_key: str) -> BalanceTransaction | None:
    stmt = select(BalanceTransaction).where(BalanceTransaction.booking_key == booking_key)
    found: BalanceTransaction | None = (await session.scalars(stmt)).first()
    return found


async def latest_pending_available_on(session: AsyncSession, scope: Scope, currency: str) -> int | None:
    """When the last of the scope's pending incoming funds in `currency` become available."""
    stmt = select(func.max(BalanceTransaction.available_on)).where(
        BalanceTransaction.merchant_id == scope.merchant_id,
        BalanceTransaction.livemode == scope.livemode,
        BalanceTransaction.currency == currency,
        BalanceTransaction.status == BalanceStatus.PENDING,
        BalanceTransaction.net > 0,
    )
    latest = (await session.execute(stmt)).scalar()
    return None if latest is None else int(latest)


async def due_for_settlement(session: AsyncSession, *, now: int, limit: int) -> Sequence[BalanceTransaction]:
    """Pending balance transactions whose funds are due, oldest first, locked (`SKIP LOCKED` on PostgreSQL)."""
    stmt = (
        select(BalanceTransaction)
        .where(BalanceTransaction.status == BalanceStatus.PENDING, BalanceTransaction.available_on <= now)
        .order_by(BalanceTransaction.available_on, BalanceTransaction.pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(stmt)).all()


async def get(session: AsyncSession, scope: Scope, txn_id: str) -> BalanceTransaction | None:
    stmt = scoped_select(BalanceTransaction, scope.merchant_id, scope.livemode).where(BalanceTransaction.id == txn_id)
    found: BalanceTransaction | None = (await session.scalars(stmt)).first()
    return found


async def list_page(
    session: AsyncSession,
    scope: Scope,
    page: PageRequest,
    *,
    type_: str | None,
    source: str | None,
    currency: str | None,
) -> Page[BalanceTransaction]:
    stmt = scoped_select(BalanceTransaction, scope.merchant_id, scope.livemode)
    if type_:
        stmt = stmt.where(BalanceTransaction.type == type_)
    if source:
        stmt = stmt.where(BalanceTransaction.source == source)
    if currency:
        stmt = stmt.where(BalanceTransaction.currency == currency)
    return await paginate(session, stmt, BalanceTransaction, page, object_name="balance_transaction")


async def daily_totals(
    session: AsyncSession, scope: Scope, since: int, until: int
) -> list[tuple[int, str, str, int, int, int, int]]:
    """(day's start, currency, type, count, amount, fee, net) of the scope's balance transactions, per UTC day."""
    txn = BalanceTransaction
    day = (txn.created - txn.created % 86400).label("day")
    stmt = (
        select(day, txn.currency, txn.type, func.count(), func.sum(txn.amount), func.sum(txn.fee), func.sum(txn.net))
        .where(txn.merchant_id == scope.merchant_id, txn.livemode == scope.livemode)
        .where(txn.created >= since, txn.created < until)
        .group_by(day, txn.currency, txn.type)
    )
    return [
        (int(d), str(c), str(t), int(n), int(a), int(f), int(net))
        for d, c, t, n, a, f, net in (await session.execute(stmt)).all()
    ]
