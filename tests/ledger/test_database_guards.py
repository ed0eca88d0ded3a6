"""The database itself refuses an unbalanced entry and any change to the books.

Every write here is raw SQL through a session, so no Python check stands in the way: what
refuses is the database's triggers, CHECKs and foreign keys.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.scope import Scope
from tests.ledger.support import account_pks, book_charge, new_entry_id, new_scope, now_of, raw_entry, raw_postings
from tests.servers import LynkServer


async def _count(session: AsyncSession, sql: str, **params: Any) -> int:
    return int((await session.execute(text(sql), params)).scalar_one())


@pytest.fixture
def books(server: LynkServer) -> tuple[Scope, dict[str, int], dict[str, int]]:
    """A scope with usd and eur accounts (made by booking a charge in each), one charge available at once."""
    scope, now = new_scope(), now_of(server)
    book_charge(server.write, scope, 1_000, now=now)
    book_charge(server.write, scope, 1_000, now=now, currency="eur", immediate=True)
    usd = server.write(lambda s: account_pks(s, scope, "usd"))
    eur = server.write(lambda s: account_pks(s, scope, "eur"))
    return scope, usd, eur


def test_a_balanced_raw_entry_is_accepted(
    server: LynkServer, books: tuple[Scope, dict[str, int], dict[str, int]]
) -> None:
    scope, usd, _eur = books
    entry = new_entry_id()
    server.write(
        lambda s: raw_entry(
            s, scope, entry, [(usd["processor_clearing"], "usd", 70, 0), (usd["refunds"], "usd", 0, 70)]
        )
    )
    assert server.write(lambda s: _count(s, "SELECT count(*) FROM ledger_postings WHERE entry_id = :e", e=entry)) == 2


@pytest.mark.parametrize(
    "legs",
    [
        pytest.param([("processor_clearing", "usd", 100, 0), ("refunds", "usd", 0, 90)], id="debits-exceed-credits"),
        pytest.param([("processor_clearing", "usd", 100, 0)], id="one-posting"),
        pytest.param(
            [("processor_clearing", "usd", 100, 0), ("refunds", "eur", 0, 100)], id="balanced-across-currencies"
        ),
        pytest.param(
            [("processor_clearing", "usd", 100, 0), ("refunds", "usd", 0, 100), ("refunds", "eur", 0, 5)],
            id="one-currency-off",
        ),
        pytest.param([], id="no-postings"),
    ],
)
def test_the_database_refuses_an_unbalanced_entry(
    server: LynkServer, books: tuple[Scope, dict[str, int], dict[str, int]], legs: list[tuple[str, str, int, int]]
) -> None:
    scope, usd, eur = books
    accounts = {"usd": usd, "eur": eur}
    entry = new_entry_id()
    rows = [(accounts[currency][kind], currency, debit, credit) for kind, currency, debit, credit in legs]
    with pytest.raises(IntegrityError, match=r"does not balance|fewer than two postings"):
        server.write(lambda s: raw_entry(s, scope, entry, rows))
    assert server.write(lambda s: _count(s, "SELECT count(*) FROM ledger_postings WHERE entry_id = :e", e=entry)) == 0


def test_a_sealed_entry_takes_no_more_postings(
    server: LynkServer, books: tuple[Scope, dict[str, int], dict[str, int]]
) -> None:
    scope, usd, _eur = books
    entry = new_entry_id()
    server.write(
        lambda s: raw_entry(s, scope, entry, [(usd["processor_clearing"], "usd", 5, 0), (usd["refunds"], "usd", 0, 5)])
    )

    pair = [(usd["processor_clearing"], "usd", 9, 0), (usd["refunds"], "usd", 0, 9)]
    with pytest.raises(IntegrityError, match="sealed"):
        server.write(lambda s: raw_postings(s, entry, pair))


def test_postings_without_their_entry_are_refused_at_commit(
    server: LynkServer, books: tuple[Scope, dict[str, int], dict[str, int]]
) -> None:
    _scope, usd, _eur = books
    pair = [(usd["processor_clearing"], "usd", 9, 0), (usd["refunds"], "usd", 0, 9)]
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        server.write(lambda s: raw_postings(s, new_entry_id(), pair))


@pytest.mark.parametrize(
    ("currency", "debit", "credit"),
    [("usd", 10, 10), ("usd", 0, 0), ("usd", -10, 0), ("eur", 10, 0)],
    ids=["both-sides", "neither-side", "negative", "not-the-account-currency"],
)
def test_malformed_postings_are_refused(
    server: LynkServer, books: tuple[Scope, dict[str, int], dict[str, int]], currency: str, debit: int, credit: int
) -> None:
    _scope, usd, _eur = books
    with pytest.raises(IntegrityError):
        server.write(lambda s: raw_postings(s, new_entry_id(), [(usd["refunds"], currency, debit, credit)]))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_postings SET debit = debit + 1 WHERE account_pk = :a",
        "UPDATE ledger_postings SET entry_id = entry_id WHERE account_pk = :a",
        "DELETE FROM ledger_postings WHERE account_pk = :a",
        "UPDATE ledger_entries SET description = 'edited' WHERE merchant_id = :m",
        "DELETE FROM ledger_entries WHERE merchant_id = :m",
        "UPDATE ledger_accounts SET merchant_id = 'acct_other' WHERE pk = :a",
        "DELETE FROM ledger_accounts WHERE merchant_id = :m",
        "UPDATE balance_transactions SET amount = amount + 1, net = net + 1 WHERE merchant_id = :m",
        "UPDATE balance_transactions SET status = 'pending' WHERE merchant_id = :m AND status = 'available'",
        "DELETE FROM balance_transactions WHERE merchant_id = :m",
    ],
    ids=[
        "update-posting-amount",
        "update-posting-noop",
        "delete-posting",
        "update-entry",
        "delete-entry",
        "relabel-account",
        "delete-account",
        "update-txn-amount",
        "txn-back-to-pending",
        "delete-txn",
    ],
)
def test_the_books_are_append_only(
    server: LynkServer, books: tuple[Scope, dict[str, int], dict[str, int]], sql: str
) -> None:
    scope, usd, _eur = books
    count = "SELECT count(*) FROM ledger_postings WHERE account_pk = :a"
    before = server.write(lambda s: _count(s, count, a=usd["pending"]))
    with pytest.raises(IntegrityError, match="append-only"):
        server.write(lambda s: s.execute(text(sql), {"a": usd["pending"], "m": scope.merchant_id}))
    assert server.write(lambda s: _count(s, count, a=usd["pending"])) == before == 1


def test_truncate_is_refused_on_postgres(
    server: LynkServer, books: tuple[Scope, dict[str, int], dict[str, int]]
) -> None:
    if server.backend != "postgres":
        pytest.skip("SQLite has no TRUNCATE")
    for table in ("ledger_postings", "ledger_entries"):
        with pytest.raises(IntegrityError, match="append-only"):
            server.write(lambda s, t=table: s.execute(text(f"TRUNCATE {t} CASCADE")))


def test_a_balance_transaction_net_must_be_amount_minus_fee(server: LynkServer) -> None:
    sql = (
        "INSERT INTO balance_transactions (id, created, merchant_id, livemode, type, status, amount, fee, net,"
        " currency, fee_details, available_on, reporting_category, booking_key)"
        " VALUES (:i, 0, 'acct_x', false, 'charge', 'available', 100, 10, 95, 'usd', '[]', 0, 'charge', :i)"
    )
    with pytest.raises(IntegrityError):
        server.write(lambda s: s.execute(text(sql), {"i": f"txn_{uuid.uuid4().hex}"}))
