"""Helpers for ledger tests: booking through the service on a server's database, or on a private one.

Checks that break the books on purpose run on a private database (`Books`), so the shared
server's ledger stays healthy for every other test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.db import Database
from lynk.core.scope import Scope
from lynk.ledger import service
from lynk.models import BalanceTransaction
from tests.servers import LynkServer, fresh_database

T = TypeVar("T")
DAY = 86_400

Write = Callable[[Callable[[AsyncSession], Awaitable[Any]]], Any]


def new_scope() -> Scope:
    """A scope of its own: ledger accounts need no merchant row."""
    return Scope(f"acct_{uuid.uuid4().hex[:16]}", livemode=False)


def now_of(server: LynkServer) -> int:
    return int(server.clock.now())


def book_charge(
    write: Write,
    scope: Scope,
    amount: int,
    *,
    now: int,
    currency: str = "usd",
    fee: int | None = None,
    immediate: bool = False,
    available_in: int = 2 * DAY,
) -> BalanceTransaction:
    charge_id = f"ch_{uuid.uuid4().hex[:20]}"
    fee = service.fee_for(amount, currency) if fee is None else fee
    result: BalanceTransaction = write(
        lambda s: service.post_charge(
            s,
            scope,
            charge_id=charge_id,
            amount=amount,
            currency=currency,
            fee=fee,
            available_on=now + available_in,
            now=now,
            immediate_available=immediate,
        )
    )
    return result


def book_refund(write: Write, scope: Scope, charge: BalanceTransaction, amount: int, *, now: int) -> BalanceTransaction:
    assert charge.source is not None
    charge_id = charge.source
    result: BalanceTransaction = write(
        lambda s: service.post_refund(
            s,
            scope,
            refund_id=f"re_{uuid.uuid4().hex[:20]}",
            charge_id=charge_id,
            amount=amount,
            currency=charge.currency,
            now=now,
        )
    )
    return result


def funds(write: Write, scope: Scope, currency: str = "usd") -> tuple[int, int]:
    """(available, pending) of `scope` in `currency`."""
    balance: service.Balance = write(lambda s: service.balance(s, scope))
    available = next((f.amount for f in balance.available if f.currency == currency), 0)
    pending = next((f.amount for f in balance.pending if f.currency == currency), 0)
    return available, pending


async def account_pks(session: AsyncSession, scope: Scope, currency: str = "usd") -> dict[str, int]:
    rows = await session.execute(
        text("SELECT kind, pk FROM ledger_accounts WHERE merchant_id = :m AND livemode = :l AND currency = :c"),
        {"m": scope.merchant_id, "l": scope.livemode, "c": currency},
    )
    return {kind: pk for kind, pk in rows.all()}


POSTING = "INSERT INTO ledger_postings (entry_id, account_pk, currency, debit, credit) VALUES (:e, :a, :c, :d, :k)"
ENTRY = "INSERT INTO ledger_entries (id, merchant_id, livemode, kind, created) VALUES (:e, :m, :l, 'test', 0)"

Leg = tuple[int, str, int, int]  # account pk, currency, debit, credit


def new_entry_id() -> str:
    return f"je_test_{uuid.uuid4().hex[:16]}"


async def raw_postings(session: AsyncSession, entry: str, legs: list[Leg]) -> None:
    """Postings by raw SQL, past every Python check."""
    for account, currency, debit, credit in legs:
        await session.execute(text(POSTING), {"e": entry, "a": account, "c": currency, "d": debit, "k": credit})


async def raw_entry(session: AsyncSession, scope: Scope, entry: str, legs: list[Leg]) -> None:
    """Postings, then the entry row that seals them (the ledger's order), by raw SQL."""
    await raw_postings(session, entry, legs)
    await session.execute(text(ENTRY), {"e": entry, "m": scope.merchant_id, "l": scope.livemode})


@dataclass
class Books:
    """A private, migrated database for tests that break the books on purpose."""

    backend: str
    url: str

    def run(self, work: Callable[[Database], Awaitable[T]]) -> T:
        async def go() -> T:
            db = Database(self.url, pool_size=2)
            try:
                return await work(db)
            finally:
                await db.dispose()

        return asyncio.run(go())

    def write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async def go(db: Database) -> T:
            async with db.transaction() as session:
                return await work(session)

        return self.run(go)

    def verify(self) -> list[str]:
        return self.write(service.verify)


@contextmanager
def private_books(backend: str, tmp: Path) -> Iterator[Books]:
    with fresh_database(backend, tmp) as url:
        yield Books(backend, url)
