"""Load a large store fast: N payments, each with its charge, events, connector calls and ledger rows.

Not through the API (far too slow for a million) and not made up column by column: a merchant's existing
payments (made through the API, so every row is what Lynk writes) are the templates, and PostgreSQL copies
them in bulk, `INSERT … SELECT … FROM generate_series(…)`, one statement per table per chunk. Copy g of a
template row gets ids rewritten consistently across tables (the last 8 characters of every id become g, so a
charge still names its PaymentIntent and a posting its journal entry), unique keys suffixed with `:g`, and
`created` moved `--spread` seconds back per copy, so the copies are older than the templates and spread
over time as a real history. Customers and payment methods are shared, not copied; ledger accounts too
(balances stay the sums of their postings; the database's entry-balance trigger checks every copied entry).
Copied events are marked fanned out (they are history, not news for the webhook worker).

    .venv/bin/python bench/seed.py --database-url postgresql://… --merchant acct_… [--payments 1000000]

PostgreSQL only. The merchant needs at least one succeeded payment: its succeeded payments that are not
copies (a copy's id ends in 8 digits) are the templates; run it again to grow the store further.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, Table, UniqueConstraint, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

import lynk.models  # noqa: F401  (every table on Base.metadata)
from lynk.core.config import async_database_url
from lynk.core.db import Base

CHUNK_ROUNDS = 2_000  # copies of the whole template set per transaction


def _templates(merchant: str) -> dict[str, str]:
    """Per table, in insert order (postings before the entries that seal them), which rows are templates."""
    copy = "id !~ '[0-9]{8}$'"  # not a copy
    pis = f"SELECT id FROM payment_intents WHERE merchant_id = '{merchant}' AND status = 'succeeded' AND {copy}"
    charges = f"SELECT id FROM charges WHERE payment_intent_id IN ({pis})"
    bts = f"SELECT balance_transaction_id FROM charges WHERE payment_intent_id IN ({pis})"
    entries = f"SELECT id FROM ledger_entries WHERE balance_transaction_id IN ({bts})"
    return {
        "payment_intents": f"id IN ({pis})",
        "charges": f"id IN ({charges})",
        "connector_calls": f"payment_intent_id IN ({pis})",
        "balance_transactions": f"id IN ({bts})",
        "ledger_postings": f"entry_id IN ({entries})",
        "ledger_entries": f"id IN ({entries})",
        "events": f"merchant_id = '{merchant}' AND (type LIKE 'payment_intent.%' OR type LIKE 'charge.%') AND {copy}",
    }


async def _rows(conn: AsyncConnection, table: str, where: str) -> list[dict[str, Any]]:
    return [dict(row) for row in (await conn.execute(text(f"SELECT * FROM {table} WHERE {where}"))).mappings()]


def _copy_statement(table: Table, where: str, rows: Sequence[dict[str, Any]], ids: set[str]) -> str:
    """INSERT … SELECT of copies :first … :last of the template rows of `table`."""
    unique = {c.name for c in table.columns if c.unique}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            unique |= {c.name for c in constraint.columns}
    columns, values = [], []
    for column in table.columns:
        name = column.name
        if name == "pk":
            continue
        quoted = f'"{name}"'
        present = [row[name] for row in rows if row[name] is not None]
        if isinstance(column.type, String) and present and all(value in ids for value in present):
            value = f"left({quoted}, length({quoted}) - 8) || lpad(g::text, 8, '0')"  # NULL stays NULL
        elif isinstance(column.type, String) and name in unique and present:
            value = f"{quoted} || ':' || g"
        elif name == "created" or name in ("available_on", "completed", "authorized_at", "finished_at"):
            value = f"{quoted} - g * CAST(:spread AS bigint)"
        elif name == "fanout_pending":
            value = "false"
        else:
            value = quoted
        columns.append(quoted)
        values.append(value)
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM {table.name}, generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g WHERE {where}"
    )


async def _scalar(conn: AsyncConnection, sql: str) -> int:
    return int((await conn.execute(text(sql))).scalar_one() or 0)


async def seed(url: str, merchant: str, *, payments: int, spread: int = 30) -> tuple[int, float]:
    """Copy the merchant's templates until it has `payments` payments (or a few more: whole copies of the
    template set); returns (payments made, seconds taken)."""
    engine = create_async_engine(async_database_url(url))
    began = time.perf_counter()
    wheres = _templates(merchant)
    try:
        async with engine.connect() as conn:
            found = {table: await _rows(conn, table, where) for table, where in wheres.items()}
            have = await _scalar(conn, f"SELECT count(*) FROM payment_intents WHERE merchant_id = '{merchant}'")
            done = await _scalar(
                conn,
                "SELECT max(right(id, 8)::bigint) FROM payment_intents "
                f"WHERE merchant_id = '{merchant}' AND id ~ '[0-9]{{8}}$'",
            )
        templates = len(found["payment_intents"])
        if not templates:
            raise SystemExit(f"merchant {merchant} has no succeeded payment to copy")
        ids = {row["id"] for rows in found.values() for row in rows if row.get("id")}
        statements = [
            text(_copy_statement(Base.metadata.tables[table], where, found[table], ids))
            for table, where in wheres.items()
        ]
        rounds = max(0, -(-(payments - have) // templates))
        for start in range(done + 1, done + rounds + 1, CHUNK_ROUNDS):
            end = min(done + rounds, start + CHUNK_ROUNDS - 1)
            async with engine.begin() as conn:
                for statement in statements:
                    await conn.execute(statement, {"first": start, "last": end, "spread": spread})
        async with engine.begin() as conn:
            for table in wheres:
                await conn.execute(text(f"ANALYZE {table}"))
    finally:
        await engine.dispose()
    return rounds * templates, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--merchant", required=True)
    parser.add_argument("--payments", type=int, default=1_000_000, help="payments the merchant has at the end")
    parser.add_argument("--spread", type=int, default=30, help="seconds between one copy and the next, back in time")
    args = parser.parse_args()
    made, seconds = asyncio.run(seed(args.database_url, args.merchant, payments=args.payments, spread=args.spread))
    print(f"seeded {made} payments in {seconds:.1f} s ({made / max(seconds, 1e-9):.0f} payments/s with their rows)")


if __name__ == "__main__":
    main()
