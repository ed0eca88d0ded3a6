"""The simulator's state in a database: its idempotency keys and its payments, in its own tables.

A processor's memory outlives Lynk's processes: a capture after a restart, a refund served by the
other `lynk serve --workers` process, a retry after a crash all find the authorization the simulator
granted. The tables are the simulator's, not Lynk's schema (a real processor's database is not
Lynk's either), so the store creates them itself on first use:

- on PostgreSQL, in Lynk's database (`simulator_operations`, `simulator_payments`), under an
  advisory lock so that processes starting together create them once;
- on SQLite, in a file of its own next to Lynk's (`lynk-simulator.db`), because the request's
  transaction holds SQLite's only write lock while the simulator is called.

The simulator's writes commit in their own transactions, whatever becomes of the request that called
it: exactly what a processor on the other side of a network does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text, bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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


# The simulator answers every test-mode payment: its statements are built once, bound per call.
_OPERATION = select(operations).where(operations.c.key == bindparam("key"))
_INSERT_OPERATION = insert(operations)
_PAYMENT = select(payments).where(payments.c.reference == bindparam("b_reference"))
_PAYMENT_LOCKED = _PAYMENT.with_for_update()
_INSERT_PAYMENT = insert(payments)
_UPDATE_PAYMENT = update(payments).where(payments.c.reference == bindparam("b_reference"))


class _DatabaseUnit:
    def __init__(self, session: AsyncSession, lock_rows: bool, *, unread: str | None = None) -> None:
        self._session = session
        self._lock_rows = lock_rows
        self._loaded: set[str] = set()
        self._unread = unread  # a key taken for new: its INSERT fails, and the unit is undone, if it was stored

    async def operation(self, key: str) -> Stored | None:
        if key == self._unread:
            return None
        row = (await self._session.execute(_OPERATION, {"key": key})).first()
        return Stored(row.request, row.result, row.verdict) if row is not None else None

    async def save_operation(self, key: str, stored: Stored) -> None:
        values = {"key": key, "request": stored.request, "result": stored.result, "verdict": stored.verdict}
        await self._session.execute(_INSERT_OPERATION, values)

    async def payment(self, reference: str) -> SimPayment | None:
        query = _PAYMENT_LOCKED if self._lock_rows else _PAYMENT
        row = (await self._session.execute(query, {"b_reference": reference})).first()
        if row is None:
            return None
        self._loaded.add(reference)
        return SimPayment(row.amount, row.state, row.captured, row.refunded, row.card)

    async def save_payment(self, reference: str, payment: SimPayment) -> None:
        values = {
            "amount": payment.amount,
            "state": payment.state,
            "captured": payment.captured,
            "refunded": payment.refunded,
            "card": payment.card,
        }
        if reference in self._loaded:
            await self._session.execute(_UPDATE_PAYMENT, {"b_reference": reference, **values})
        else:
            await self._session.execute(_INSERT_PAYMENT, {"reference": reference, **values})
            self._loaded.add(reference)


class DatabaseStore:
    """A `SimulatorStore` in a database (see the module's docstring)."""

    def __init__(self, database_url: str) -> None:
        self.db = Database(simulator_url(database_url), pool_size=5)
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
        """A transaction. `first`: the key is not looked up (a round trip less for each new call); if it was
        stored, saving it again breaks the key's uniqueness, the whole unit rolls back and the caller's retry
        reads it."""
        await self._prepare()
        try:
            async with self.db.transaction() as session:
                yield _DatabaseUnit(session, lock_rows=self.db.is_postgres, unread=key if first else None)
        except IntegrityError:
            raise StoreConflict(key) from None

    async def operation(self, key: str) -> Stored | None:
        await self._prepare()
        async with self.db.transaction(write=False) as session:
            return await _DatabaseUnit(session, lock_rows=False).operation(key)

    async def close(self) -> None:
        await self.db.dispose()
