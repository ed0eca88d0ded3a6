"""Transaction ids, for readers that must see rows in commit order (`lynk listen`).

Rows get their primary key when they are inserted, not when their transaction commits: on
PostgreSQL a row numbered 7 may become visible after a row numbered 8 was read. So a row that
needs to be read in order records the 64-bit id of the transaction that wrote it
(`current_txid()`, evaluated in the INSERT), and a reader takes only rows whose transaction id is
below `settled_horizon()`, the oldest transaction still running anywhere: every transaction below
it has ended, so no row can appear there any more. Ordered by (txid, pk), such rows form a list
that only grows at its end.

On SQLite, write transactions run one at a time (`BEGIN IMMEDIATE`), so insertion order is commit
order: `current_txid()` is NULL, and readers order by primary key alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class current_txid(FunctionElement[int]):
    """The writing transaction's id on PostgreSQL (`pg_current_xact_id()`), NULL elsewhere."""

    type = BigInteger()
    inherit_cache = True


class settled_horizon(FunctionElement[int]):
    """On PostgreSQL, the oldest transaction id still running (every lower one has ended)."""

    type = BigInteger()
    inherit_cache = True


@compiles(current_txid)
def _current_txid_default(element: current_txid, compiler: SQLCompiler, **kw: Any) -> str:
    return "NULL"


@compiles(current_txid, "postgresql")
def _current_txid_postgresql(element: current_txid, compiler: SQLCompiler, **kw: Any) -> str:
    return "(pg_current_xact_id()::text::bigint)"


@compiles(settled_horizon, "postgresql")
def _settled_horizon_postgresql(element: settled_horizon, compiler: SQLCompiler, **kw: Any) -> str:
    return "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
