"""The database: one async engine for PostgreSQL (asyncpg) or SQLite (aiosqlite).

Work opens one session and commits once (`Database.transaction`). An API request's session may also
commit along the way (`Database.phases`, `end_phase`): a payment commits its attempt before calling the
processor, so no transaction or pooled connection is held while the network answers. On SQLite,
write transactions start with `BEGIN IMMEDIATE` so concurrent writers queue on the
busy timeout instead of failing when they upgrade a read lock.

An API request claims its idempotency key in its work transaction (`hold_claim`); a processor may be called
only once that claim is committed (`require_committed_claim`), since a retry derives processor keys from it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import BigInteger, Integer, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from lynk.core import metrics

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An auto-incrementing 64-bit key; on SQLite the INTEGER PRIMARY KEY is the rowid.
BigIntPk = BigInteger().with_variant(Integer(), "sqlite")

SQLITE_BUSY_TIMEOUT_MS = 30_000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("lynk_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


class _MeasuredPool(AsyncAdaptedQueuePool):
    """The default PostgreSQL pool, timing how long each request for a connection waited."""

    def _do_get(self) -> ConnectionPoolEntry:
        began = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            metrics.DB_POOL_WAIT.observe(time.perf_counter() - began)


def _count_connections_in_use(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkout")
    def _out(*_: Any) -> None:
        metrics.DB_POOL_IN_USE.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def _in(*_: Any) -> None:
        metrics.DB_POOL_IN_USE.dec()


def create_engine(
    url: str, *, pool_size: int = 10, pool_timeout: float = 10.0, statement_timeout_ms: int = 30_000
) -> AsyncEngine:
    """An engine for an async SQLAlchemy URL (see `config.async_database_url`).

    A request waits at most `pool_timeout` seconds for a connection (then `sqlalchemy.exc.TimeoutError`,
    which the API answers with a 503), and on PostgreSQL no statement runs longer than `statement_timeout_ms`.
    A failed statement's error names no parameter values (`hide_parameters`): they may be secrets or sealed data.
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_timeout=pool_timeout,
            hide_parameters=True,
        )
        _configure_sqlite(engine)
    else:
        engine = create_async_engine(
            url,
            poolclass=_MeasuredPool,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_recycle=1800,
            pool_timeout=pool_timeout,
            connect_args={"server_settings": {"statement_timeout": str(statement_timeout_ms)}},
            hide_parameters=True,
        )
    _count_connections_in_use(engine)
    return engine


_PHASES = "lynk_phases"
_UNCOMMITTED_CLAIM = "lynk_uncommitted_claim"
_claiming: ContextVar[AsyncSession | None] = ContextVar("lynk_claiming", default=None)


class ClaimNotDurable(Exception):
    """A processor was about to be called while the request's idempotency claim, made in its work transaction,
    was not committed yet (work still in one transaction): nothing left Lynk; the request wrapper rolls back
    and runs the request again with the key claimed in a transaction of its own first."""


async def insert_on_conflict(session: AsyncSession, table: Any) -> Any:
    """An INSERT into `table` in the session's backend's dialect, which has `on_conflict_do_nothing` and
    `on_conflict_do_update` (PostgreSQL and SQLite spell ON CONFLICT alike; SQLAlchemy has one class each)."""
    dialect = postgresql if (await session.connection()).dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def hold_claim(session: AsyncSession) -> None:
    """`session`'s transaction holds this request's idempotency claim, uncommitted until its phase ends."""
    session.info[_UNCOMMITTED_CLAIM] = True
    _claiming.set(session)


def forget_claim() -> None:
    """The request that held a claim is over (or runs again with its key claimed apart)."""
    _claiming.set(None)


def require_committed_claim() -> None:
    """Called before any processor call: a crash after it must leave the claim (the processor keys of a retry
    derive from when it was made), so it may not sit in an open transaction."""
    session = _claiming.get()
    if session is not None and session.info.get(_UNCOMMITTED_CLAIM):
        raise ClaimNotDurable()


async def end_phase(session: AsyncSession) -> bool:
    """Commit what `session` did so far and give its connection back to the pool, if it was opened with
    `Database.phases`; False (nothing done) inside one `transaction`, whose work then stays in it."""
    if not session.info.get(_PHASES):
        return False
    await session.commit()
    session.info.pop(_UNCOMMITTED_CLAIM, None)  # the request's idempotency claim, if it made one, is durable
    return True


@asynccontextmanager
async def reading(session: AsyncSession, *, write: bool = False) -> AsyncIterator[AsyncSession]:
    """`session` itself while its transaction is open; between the phases of a `Database.phases` session
    (none open: a processor call is under way) a short read-only transaction of its own, so no connection
    stays checked out, nor a transaction open, while the processor answers. With `write`, that short
    transaction may write, and commits when the block ends (a record made before a processor call)."""
    if not session.info.get(_PHASES) or session.in_transaction():
        yield session
        return
    assert isinstance(session.bind, AsyncEngine), "a Database session is bound to its engine"
    engine = session.bind.execution_options(lynk_write=write)  # read-only: a plain BEGIN on SQLite, no write lock
    async with AsyncSession(engine, expire_on_commit=False) as own, own.begin():
        yield own


class Database:
    """The engine plus sessions: `transaction(write=…)` opens, commits or rolls back one."""

    def __init__(
        self, url: str, *, pool_size: int = 10, pool_timeout: float = 10.0, statement_timeout_ms: int = 30_000
    ) -> None:
        self.url = url
        self.engine = create_engine(
            url, pool_size=pool_size, pool_timeout=pool_timeout, statement_timeout_ms=statement_timeout_ms
        )
        self._writer = self.engine.execution_options(lynk_write=True)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(self._writer, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def session(self, *, write: bool) -> AsyncSession:
        return (self._write_sessions if write else self._sessions)()

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits if the block succeeds, else rolls back."""
        async with self.session(write=write) as session, session.begin():
            yield session

    @asynccontextmanager
    async def phases(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """As `transaction`, but the block may also commit along the way (`end_phase`); what it does after
        its last phase commits when it ends, or rolls back if it fails."""
        async with self.session(write=write) as session:
            session.info[_PHASES] = True
            yield session
            await session.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()
