"""The simulator's state in a database: its idempotency keys and its payments, in its own tables.

A processor's memory outlives Lynk's processes: a capture after a restart, a refund served by the
other `lynk serve --workers` process, a retry after a crash all find the authorization the simulator
granted. The tables are the simulator's, not Lynk's schema (a real processor's database is not
Lynk's either), so the store creates them itself on first use:

- on PostgreSQL, in Lynk's database (`simulator_operations`, `simulator_payments`), under an
  advisory lock so that processes starting together create them once;
- on SQLite, in a file of its own next to Lynk's (`lynk-simulator.db`), because the request's
  transaction holds SQLite's only write lock while the simulator is called.

The simulator's writes commit on their own, whatever becomes of the request that called it: exactly
what a processor on the other side of a network does. A unit's writes wait until it ends; a unit that read
something writes them in its transaction (opened by that read). One that read nothing, an authorization's
first try, writes them on PostgreSQL as one statement in autocommit (a new payment and its operation in a
data-modifying CTE): one round trip instead of four for every test-mode payment.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Literal

from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text, bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import Executable

from lynk.connectors.simulator_state import SimPayment, StoreConflict, Stored, Unit
from lynk.core.db import Database

metadata = MetaData()
operations = Table(
    "simulator_operations",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("request", Text, nullable=False),
    Column("result", Text, nullable=False),
    Column("verdict", Text),
)
payments = Table(
    "simulator_payments",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("amount", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("captured", BigInteger, nullable=False),
    Column("refunded", BigInteger, nullable=False),
    Column("card", String(64), index=True),
)
_CREATE_LOCK = 72420070  # pg_advisory_xact_lock id: one process creates the tables


def simulator_url(database_url: str) -> str:
    """Where the simulator keeps its state, for Lynk's async database URL."""
    if not database_url.startswith("sqlite"):
        return database_url
    base, _, path = database_url.partition(":///")
    stem = path[:-3] if path.endswith(".db") else path
    return f"{base}:///{stem}-simulator.db"


# The simulator answers every test-mode payment: its statements are built once, bound per call. A payment's
# values bind under the same names (`p_…`) in its INSERT, its UPDATE and the INSERT it shares with its operation.
def _bound(table: Table, prefix: str) -> dict[str, BindParameter[Any]]:
    return {column.name: bindparam(prefix + column.name) for column in table.c}


_OPERATION = select(operations).where(operations.c.key == bindparam("key"))
_INSERT_OPERATION = insert(operations).values(_bound(operations, "o_"))
_PAYMENT = select(payments).where(payments.c.reference == bindparam("p_reference"))
_PAYMENT_LOCKED = _PAYMENT.with_for_update()
_INSERT_PAYMENT = insert(payments).values(_bound(payments, "p_"))
_UPDATE_PAYMENT = (
    update(payments)
    .where(payments.c.reference == bindparam("p_reference"))
    .values({name: value for name, value in _bound(payments, "p_").items() if name != "reference"})
)
# A new payment and its key's operation (an authorization, a debit) in ONE statement, for PostgreSQL: a data-modifying
# CTE runs to completion whether or not the statement reads it, and a statement is atomic, so in autocommit both rows
# are written or neither, with no BEGIN or COMMIT round trip. (SQLite has no INSERT in a WITH.)
_INSERT_PAYMENT_AND_OPERATION = _INSERT_OPERATION.add_cte(_INSERT_PAYMENT.cte("payment"))

_Write = tuple[Literal["operation", "new payment", "payment"], dict[str, Any]]
_WRITES: dict[str, Executable] = {
    "operation": _INSERT_OPERATION,
    "new payment": _INSERT_PAYMENT,
    "payment": _UPDATE_PAYMENT,
}


def _one_statement(writes: list[_Write]) -> tuple[Executable, dict[str, Any]] | None:
    """`writes` as one statement, if they can be: a single write, or a new payment with its operation."""
    if len(writes) == 1:
        kind, values = writes[0]
        return _WRITES[kind], values
    if sorted(kind for kind, _ in writes) == ["new payment", "operation"]:
        return _INSERT_PAYMENT_AND_OPERATION, {**writes[0][1], **writes[1][1]}
    return None


async def _read_operation(session: AsyncSession, key: str) -> Stored | None:
    row = (await session.execute(_OPERATION, {"key": key})).first()
    return Stored(row.request, row.result, row.verdict) if row is not None else None


class _DatabaseUnit:
    """One unit of `DatabaseStore.unit`. Its transaction opens at its first read; its writes wait in `writes`
    until it ends (`end`), so that a unit that reads nothing (an authorization's first try) can write them
    without a transaction at all."""

    def __init__(self, db: Database, stack: AsyncExitStack, *, unread: str | None) -> None:
        self._db = db
        self._stack = stack  # closes the transaction, if one was opened: commits, or rolls back on an error
        self._session: AsyncSession | None = None
        self._loaded: set[str] = set()
        self._unread = unread  # a key taken for new: its INSERT fails, and the unit is undone, if it was stored
        self.writes: list[_Write] = []  # in the order they were saved

    async def _transaction(self) -> AsyncSession:
        if self._session is None:
            self._session = await self._stack.enter_async_context(self._db.transaction())
        return self._session

    async def operation(self, key: str) -> Stored | None:
        if key == self._unread:
            return None
        return await _read_operation(await self._transaction(), key)

    async def save_operation(self, key: str, stored: Stored) -> None:
        values = {"o_key": key, "o_request": stored.request, "o_result": stored.result, "o_verdict": stored.verdict}
        self.writes.append(("operation", values))

    async def payment(self, reference: str) -> SimPayment | None:
        # On PostgreSQL the row stays locked (FOR UPDATE) until the unit commits; on SQLite the transaction
        # holds the database's write lock from its first statement (BEGIN IMMEDIATE).
        query = _PAYMENT_LOCKED if self._db.is_postgres else _PAYMENT
        row = (await (await self._transaction()).execute(query, {"p_reference": reference})).first()
        if row is None:
            return None
        self._loaded.add(reference)
        return SimPayment(row.amount, row.state, row.captured, row.refunded, row.card)

    async def save_payment(self, reference: str, payment: SimPayment) -> None:
        values = {
            "p_reference": reference,
            "p_amount": payment.amount,
            "p_state": payment.state,
            "p_captured": payment.captured,
            "p_refunded": payment.refunded,
            "p_card": payment.card,
        }
        self.writes.append(("payment" if reference in self._loaded else "new payment", values))
        self._loaded.add(reference)

    async def end(self, autocommit: AsyncEngine) -> None:
        """Write what the unit saved. A unit that read nothing, on PostgreSQL, writes it as one statement in
        autocommit, if it can (`_one_statement`): one round trip where a transaction takes three more (BEGIN,
        a second INSERT, COMMIT). Otherwise the writes go out in order in the unit's transaction, which then
        commits: after a read they must (the read's lock and snapshot hold until then), and on SQLite a
        transaction costs no round trip."""
        if self._session is None and self._db.is_postgres and (statement := _one_statement(self.writes)):
            async with autocommit.connect() as conn:
                await conn.execute(*statement)  # committed by the server as it ran: asyncpg sent no BEGIN
            return  # (the ROLLBACK SQLAlchemy calls as the connection closes sends nothing in autocommit)
        if not self.writes:
            return
        session = await self._transaction()
        for kind, values in self.writes:
            await session.execute(_WRITES[kind], values)


class DatabaseStore:
    """A `SimulatorStore` in a database (see the module's docstring)."""

    def __init__(self, database_url: str) -> None:
        self.db = Database(simulator_url(database_url), pool_size=5)
        # The same pool, its connections in autocommit: the one statement of a unit that read nothing.
        self._autocommit = self.db.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._ready = False
        self._preparing = asyncio.Lock()

    async def _prepare(self) -> None:
        if self._ready:
            return
        async with self._preparing:
            if self._ready:
                return
            try:
                await self._create_tables()
            except DBAPIError:  # another process created them between our look and our CREATE (SQLite)
                await self._create_tables()
            self._ready = True

    async def _create_tables(self) -> None:
        async with self.db.engine.begin() as conn:
            if self.db.is_postgres:
                await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _CREATE_LOCK})
            await conn.run_sync(metadata.create_all)

    @asynccontextmanager
    async def unit(self, key: str, *, first: bool = False) -> AsyncIterator[Unit]:
        """Atomic: a transaction, opened at the unit's first read, or one statement (see `_DatabaseUnit.end`).
        `first`: the key is not looked up (a round trip less for each new call); if it was stored, saving it
        again breaks the key's uniqueness, the whole unit is undone and the caller's retry reads it."""
        await self._prepare()
        try:
            async with AsyncExitStack() as stack:
                unit = _DatabaseUnit(self.db, stack, unread=key if first else None)
                yield unit
                await unit.end(self._autocommit)  # not reached if the unit failed: its writes are dropped
        except IntegrityError:
            raise StoreConflict(key) from None

    async def operation(self, key: str) -> Stored | None:
        await self._prepare()
        async with self.db.transaction(write=False) as session:
            return await _read_operation(session, key)

    async def close(self) -> None:
        await self.db.dispose()
