"""`verify` finds nothing wrong with healthy books and names every breach made on purpose.

These tests break the books, so they run on private databases, never the shared server's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.ledger import service
from lynk.models import AccountKind, BalanceTransaction
from tests.ledger.support import (
    DAY,
    Books,
    account_pks,
    book_charge,
    book_refund,
    new_entry_id,
    new_scope,
    private_books,
    raw_entry,
)
from tests.servers import backends

NOW = 1_800_000_000


@pytest.fixture(params=backends())
def books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Books]:
    with private_books(request.param, tmp_path) as books:
        yield books


def _healthy(books: Books) -> tuple[str, BalanceTransaction]:
    scope = new_scope()
    charge = book_charge(books.write, scope, 10_000, now=NOW)
    book_charge(books.write, scope, 2_000, now=NOW, immediate=True, currency="eur")
    book_refund(books.write, scope, charge, 3_000, now=NOW)
    books.write(lambda s: service.settle_due(s, now=NOW + 3 * DAY))
    return scope.merchant_id, charge


def test_healthy_books_have_no_breach(books: Books) -> None:
    _healthy(books)
    assert books.verify() == []
    counts = books.write(service.stats)
    assert (counts.balance_transactions, counts.entries) == (3, 3 + 2)  # 3 bookings, 2 settlements
    assert counts.postings == 3 + 3 + 2 + 2 + 2
    assert counts.accounts == 2 * len(AccountKind)


def test_a_balance_transaction_without_postings_is_named(books: Books) -> None:
    merchant_id, _charge = _healthy(books)
    txn_id = f"txn_{uuid.uuid4().hex[:20]}"
    books.write(
        lambda s: s.execute(
            text(
                "INSERT INTO balance_transactions (id, created, merchant_id, livemode, type, status, amount, fee, net,"
                " currency, fee_details, available_on, source, reporting_category, booking_key)"
                " VALUES (:i, 0, :m, false, 'charge', 'pending', 500, 45, 455, 'usd', '[]', 0, 'ch_fake', 'charge', :i)"
            ),
            {"i": txn_id, "m": merchant_id},
        )
    )
    breaches = books.verify()
    assert f"balance transaction {txn_id} has no journal entry" in breaches
    assert f"balance transaction {txn_id}: fee_details do not add up to fee 45 usd" in breaches
    assert f"balance transaction {txn_id} (pending) put 0 in pending, expected 455" in breaches
    assert any(b.startswith(f"merchant {merchant_id} (test, usd): pending balance") for b in breaches)
    assert any(b.startswith(f"merchant {merchant_id} (test, usd): fee_revenue balance") for b in breaches)


def test_a_status_changed_without_a_settlement_entry_is_named(books: Books) -> None:
    _healthy(books)
    scope = new_scope()
    charge = book_charge(books.write, scope, 10_000, now=NOW + 5 * DAY)
    flip = text("UPDATE balance_transactions SET status = 'available' WHERE id = :i")
    books.write(lambda s: s.execute(flip, {"i": charge.id}))  # the database allows pending -> available
    breaches = books.verify()
    assert f"balance transaction {charge.id} (available) put 9680 in pending, expected 0" in breaches
    assert f"balance transaction {charge.id} (available) put 0 in available, expected 9680" in breaches
    assert len(breaches) == 4  # and the merchant's pending and available totals


def test_merchant_funds_moved_without_a_balance_transaction_are_named(books: Books) -> None:
    scope = new_scope()
    book_charge(books.write, scope, 1_000, now=NOW)

    async def slip(session: AsyncSession) -> None:
        accounts = await account_pks(session, scope)
        legs = [(accounts["processor_clearing"], "usd", 100, 0), (accounts["available"], "usd", 0, 100)]
        await raw_entry(session, scope, new_entry_id(), legs)

    books.write(slip)  # balanced, so the database takes it; the audit does not
    breaches = books.verify()
    assert "entries without a balance transaction move merchant funds: {'available': 100}" in breaches
    mismatch = "available balance 100 != sum of balance transaction available nets 0"
    assert f"merchant {scope.merchant_id} (test, usd): {mismatch}" in breaches


def test_an_unbalanced_entry_slipped_past_the_guards_is_named(books: Books) -> None:
    scope = new_scope()
    book_charge(books.write, scope, 1_000, now=NOW)
    entry = new_entry_id()

    async def bypass(session: AsyncSession) -> None:
        # Only a superuser (PostgreSQL) or someone editing the schema (SQLite) can do this.
        if books.backend == "postgres":
            await session.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            await session.execute(text("DROP TRIGGER ledger_entries_balanced"))
        accounts = await account_pks(session, scope)
        await raw_entry(session, scope, entry, [(accounts["processor_clearing"], "usd", 7, 0)])

    books.write(bypass)
    assert books.verify() == [
        f"entry {entry} does not balance in usd: debits 7 != credits 0",
        f"entry {entry} has 1 postings; an entry needs at least two",
    ]
