"""The risk stage's statements on PostgreSQL (its reads, and the record's INSERT: `execute`), run on asyncpg's
own connection: the stage's one round trip without SQLAlchemy's per-execution work (parameters processed by
name, expanding `IN` lists rewritten, result rows built), which cost more than the database's answer
(docs/fraud.md, "The stage's cost").

Each statement is a Core statement built once (`velocity._statement`, `repository._BOOK_ROWS`…); the
dialect compiles it once here, to its SQL text, the order of its parameters and their conversions (a JSON
document to its text). asyncpg prepares the text once per connection and binds the parameters by position.
Only inside a transaction already begun on that connection (as the confirm pipeline's is: the payment was
read in it); otherwise, and on SQLite, the statement goes through the session as any other. A database
error comes back as SQLAlchemy's `DBAPIError` with asyncpg's error as `orig`, as the session would raise it
(the API answers a statement cut by `statement_timeout` with a 503).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import CompoundSelect, Insert, Select
from sqlalchemy.sql.compiler import SQLCompiler

_MAX_CACHED = 256
Statement = Select[Any] | CompoundSelect[Any] | Insert


@dataclass(frozen=True)
class _Compiled:
    statement: Statement  # kept alive, so its id (the cache key) is never another statement's
    sql: str
    constants: tuple[Any, ...]  # the positional parameters, those of the statement's own literals set
    # the others: (position, name in the caller's parameters, index in its list for an expanding one or -1)
    slots: tuple[tuple[int, str, int], ...]
    # the dialect's conversion of a parameter's value, by position (a JSON document to its text), as the
    # session would apply it
    processors: tuple[tuple[int, Any], ...] = ()

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        args = list(self.constants)
        for position, name, index in self.slots:
            args[position] = params[name] if index < 0 else params[name][index]
        for position, process in self.processors:
            if args[position] is not None:
                args[position] = process(args[position])
        return args


_compiled: dict[tuple[int, tuple[int, ...], tuple[str, ...]], _Compiled] = {}
# asyncpg's prepared statements, per connection and SQL text: its own cache keeps no text over 15 KiB, and
# the windows' UNION ALL is longer (it would be parsed and planned again on every payment, a round trip more).
_prepared: WeakKeyDictionary[Any, dict[str, Any]] = WeakKeyDictionary()


def _lengths(params: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(len(value) for value in params.values() if isinstance(value, list | tuple))


def _compile(session: AsyncSession, statement: Statement, params: Mapping[str, Any]) -> _Compiled:
    # An INSERT's text names the columns given (the others take their defaults), so they are part of the key.
    columns = tuple(params) if isinstance(statement, Insert) else ()
    key = (id(statement), _lengths(params), columns)
    found = _compiled.get(key)
    if found is not None:
        return found
    compiled = statement.compile(dialect=session.get_bind().dialect, column_keys=list(columns) or None)
    assert isinstance(compiled, SQLCompiler)
    expanded = compiled.construct_expanded_state(dict(params))
    expansions = {
        name: (list_name, index)
        for list_name, names in expanded.parameter_expansion.items()
        for index, name in enumerate(names)
    }
    names = list(expanded.positiontup or ())
    slots = [(position, *expansions.get(name, (name, -1))) for position, name in enumerate(names)]
    slots = [slot for slot in slots if slot[1] in params]  # else one of the statement's own values
    constants = tuple(expanded.parameters.get(name) for name in names)
    # The dialect's conversions (what the session's execution would apply): by the parameters' names.
    convert = {**compiled._bind_processors, **expanded.processors}
    if any(name in expansions for name in convert):  # none of the stage's statements has one
        raise TypeError("prepared: an expanding parameter whose values need processing")
    processors = tuple((position, convert[name]) for position, name in enumerate(names) if name in convert)
    if len(_compiled) >= _MAX_CACHED:
        _compiled.clear()
    found = _compiled[key] = _Compiled(statement, expanded.statement, constants, tuple(slots), processors)
    return found


_DRIVER = "lynk.radar.prepared.driver"  # the session's `info` key: (its transaction, asyncpg's connection)


async def _driver(session: AsyncSession) -> Any | None:
    """asyncpg's connection under the session, when its transaction has begun; else None. Looked up once per
    transaction of the session (the connection is the transaction's until it ends)."""
    sync = session.sync_session
    transaction = sync.get_transaction()
    known = sync.info.get(_DRIVER)
    if known is not None and transaction is not None and known[0] is transaction:
        driver = known[1]
    else:
        if session.get_bind().dialect.driver != "asyncpg":
            return None
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        sync.info[_DRIVER] = (sync.get_transaction(), driver)
    return driver if driver is not None and driver.is_in_transaction() else None


async def fetch(session: AsyncSession, statement: Statement, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
    """The rows of `statement` with `params` (tuples, by position), on asyncpg directly when it can."""
    driver = await _driver(session)
    if driver is None:
        return list((await session.execute(statement, dict(params))).all())
    return await _run(session, driver, statement, params)


async def execute(session: AsyncSession, statement: Insert, params: Mapping[str, Any]) -> None:
    """`statement` (a write returning nothing) with `params`, on asyncpg directly when it can; otherwise on the
    session's connection, so that the session flushes nothing (the unit of work is not involved)."""
    driver = await _driver(session)
    if driver is None:
        await (await session.connection()).execute(statement, dict(params))
    else:
        await _run(session, driver, statement, params)


async def _run(
    session: AsyncSession, driver: Any, statement: Statement, params: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    compiled = _compile(session, statement, params)
    args = compiled.args(params)
    statements = _prepared.setdefault(driver, {})
    try:
        ready = statements.get(compiled.sql)
        if ready is None:
            if len(statements) >= _MAX_CACHED:
                statements.clear()
            ready = statements[compiled.sql] = await driver.prepare(compiled.sql)
        records = await ready.fetch(*args)
    except Exception as error:
        statements.pop(compiled.sql, None)  # prepared again next time (a schema change invalidates it)
        raise DBAPIError(compiled.sql, args, error) from error
    return [tuple(record) for record in records]
