"""The simulator's database store (`lynk.simulation.store`) as the database sees it: what an authorization's
unit sends, statement by statement, and that a key stored already still replays its first answer.

Counted through the store's engine's events: every statement (`before_cursor_execute`, which on SQLite sees
its BEGIN IMMEDIATE too), and the BEGIN, COMMIT and ROLLBACK that reach PostgreSQL. SQLAlchemy fires `begin`
and `rollback` for a connection in autocommit too, but asyncpg then sends nothing, so those are not counted."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection

from lynk.connectors import CaptureRequest, IdempotencyKeyReused, OperationStatus, Simulator
from lynk.simulation.store import DatabaseStore, operations, payments
from tests.connectors.conformance import auth_request
from tests.processors.database_store import on_a_database_of_its_own
from tests.servers import backends


class _Sent:
    """What the store's engine sent: statements, and the transaction commands that reach the database."""

    def __init__(self, store: DatabaseStore) -> None:
        self.statements: list[str] = []
        self.transactions: list[str] = []
        engine = store.db.engine.sync_engine

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(_conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
            self.statements.append(" ".join(statement.split()))

        for name in ("begin", "commit", "rollback"):
            event.listen(engine, name, self._transaction(name.upper()))

    def _transaction(self, name: str) -> Any:
        def record(conn: Connection) -> None:
            if not getattr(conn.connection.dbapi_connection, "autocommit", False):  # asyncpg's adapter has it
                self.transactions.append(name)

        return record

    def clear(self) -> None:
        self.statements.clear()
        self.transactions.clear()


async def _rows(store: DatabaseStore) -> tuple[int, int]:
    async with store.db.transaction(write=False) as session:
        count = await session.execute(
            select(select(func.count()).select_from(payments).scalar_subquery(), func.count()).select_from(operations)
        )
        return tuple(count.one())


@pytest.mark.parametrize("backend", backends())
def test_an_authorizations_first_try_is_one_statement_on_postgresql(backend: str, tmp_path: Path) -> None:
    """Its key taken for new, the unit reads nothing: on PostgreSQL its payment and its operation go out as one
    statement, no BEGIN or COMMIT; on SQLite in one transaction, as before. Sent again, the key's first try
    conflicts, writes nothing (not even its new payment: the statement is atomic), and the retry replays."""

    async def check(simulator: Simulator, prefix: str) -> None:
        store = simulator.store
        assert isinstance(store, DatabaseStore)
        await simulator.authorize(auth_request(key=f"{prefix}:warm-up"))  # creates the tables
        sent = _Sent(store)
        request = auth_request(key=f"{prefix}:a")
        first = await simulator.authorize(request)
        if backend == "postgres":
            assert len(sent.statements) == 1, sent.statements
            assert sent.statements[0].startswith("WITH payment AS (INSERT INTO simulator_payments")
            assert "INSERT INTO simulator_operations" in sent.statements[0]
            assert sent.transactions == []
        else:
            inserts = [s.split(" (")[0] for s in sent.statements if s.startswith("INSERT")]
            assert inserts == ["INSERT INTO simulator_payments", "INSERT INTO simulator_operations"]
            assert sent.transactions == ["BEGIN", "COMMIT"]
        assert await _rows(store) == (2, 2)

        sent.clear()
        again = await simulator.authorize(request)
        assert again == first
        assert simulator.authorizations == 2  # the warm-up and `first`: the replay authorized nothing
        assert await _rows(store) == (2, 2)
        assert any(s.startswith("SELECT") and "simulator_operations" in s for s in sent.statements)

        with pytest.raises(IdempotencyKeyReused):
            await simulator.authorize(replace(request, amount=request.amount + 1))
        assert await _rows(store) == (2, 2)

    on_a_database_of_its_own(backend, tmp_path, check)


@pytest.mark.parametrize("backend", backends())
def test_a_capture_reads_and_writes_in_one_transaction(backend: str, tmp_path: Path) -> None:
    """A unit that reads (a capture locks its payment) keeps its transaction: its writes go out in it, in the
    order they were saved, before its COMMIT."""

    async def check(simulator: Simulator, prefix: str) -> None:
        assert isinstance(simulator.store, DatabaseStore)
        auth = await simulator.authorize(auth_request(key=f"{prefix}:a"))
        sent = _Sent(simulator.store)
        captured = await simulator.capture(CaptureRequest(f"{prefix}:c", auth.reference, 2000))
        assert captured.status is OperationStatus.SUCCEEDED
        kinds = [s.split(" ")[0] for s in sent.statements if not s.startswith("BEGIN")]
        assert kinds == ["SELECT", "UPDATE", "INSERT"], sent.statements
        assert sent.transactions == ["BEGIN", "COMMIT"]

    on_a_database_of_its_own(backend, tmp_path, check)
