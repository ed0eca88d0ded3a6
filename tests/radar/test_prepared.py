"""The risk stage's statements on asyncpg's own connection (`radar.prepared`): the same rows as the session
gives, whether the transaction has begun or not; a database error as SQLAlchemy's (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.radar import prepared, velocity
from tests.radar.test_velocity import NOW, _attempt
from tests.servers import LynkServer


def _dims(card: str, ip: str) -> list[velocity.Dimension]:
    return [
        velocity.Dimension("fingerprint", card, ("merchant_id", "email")),
        velocity.Dimension("merchant_id", "acct_velocity", windows=("minutely", "hourly")),
        velocity.Dimension("ip_address", ip, ("fingerprint",)),
    ]


def test_windows_and_book_rows_match_the_sessions(server: LynkServer) -> None:
    card, ip = f"fp_{uuid.uuid4().hex}", f"203.0.113.{uuid.uuid4().int % 250}"
    rows = [
        _attempt(card, 30, "declined", ip_address=ip, email="a@example.com"),
        _attempt(card, 1800, "authorized", ip_address=ip, merchant_id="acct_other"),
        _attempt(f"fp_{uuid.uuid4().hex}", 40, "declined", ip_address=ip, fraud_report="user_report"),
        _attempt(card, 3 * 86400, "authorized", fraud_report="early_fraud_warning"),
    ]
    dims = _dims(card, ip)
    statement = velocity._statement(tuple(dim.shape for dim in dims), True)
    params = {"livemode": False, "value_0": card, "value_1": "acct_velocity", "value_2": ip}
    params |= {f"since_{name}": NOW - seconds for name, seconds in velocity.WINDOWS.items()}
    params |= {"merchant_id": "acct_velocity"}

    async def run(session: AsyncSession) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        for row in rows:
            await velocity.add(session, row)
        found = [tuple(row) for row in await prepared.fetch(session, statement, params)]
        direct = [tuple(row) for row in (await session.execute(statement, params)).all()]
        return found, direct

    found, direct = server.write(run)
    assert sorted(found, key=repr) == sorted(direct, key=repr)
    assert [row[-5] for row in found if row[0] == 0] == ["early_fraud_warning"]
    if server.backend == "postgres":  # on asyncpg's connection, compiled once
        assert any(entry.statement is statement for entry in prepared._compiled.values())

    async def first(session: AsyncSession) -> list[tuple[object, ...]]:
        # The session's first statement: its transaction not begun yet, so through the session (which begins it).
        return [tuple(row) for row in await prepared.fetch(session, statement, params)]

    assert sorted(server.write(first), key=repr) == sorted(found, key=repr)


def test_a_statement_cut_by_the_timeout_is_sqlalchemys_error(server: LynkServer) -> None:
    if server.backend != "postgres":
        pytest.skip("statement_timeout is PostgreSQL's")

    async def run(session: AsyncSession) -> None:
        await session.execute(text("SET LOCAL statement_timeout = 50"))
        await prepared.fetch(session, select(func.pg_sleep(1)), {})

    with pytest.raises(DBAPIError) as raised:
        server.write(run)
    assert getattr(raised.value.orig, "sqlstate", None) == "57014"
