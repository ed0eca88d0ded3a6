"""Velocity windows and network history, counted from `radar_attempts` in the database.

One row per card attempt, network-wide (every merchant), so a card, an IP address or an email seen at
one merchant counts at all of them. Every dimension of a payment is counted in one statement: one
indexed range scan per dimension over its longest window (the week unless it asks for fewer windows), the
shorter windows summed in the same pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy import delete as sa_delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lynk.models import RiskAttempt
from lynk.radar import prepared, repository

WINDOWS = {"minutely": 60, "hourly": 3600, "daily": 86400, "weekly": 7 * 86400}
DECLINED = ("declined", "blocked")


@dataclass(frozen=True)
class Dimension:
    """One value whose windows are counted: `column` (a RiskAttempt column name) equal to `value`."""

    column: str
    value: str
    distinct: tuple[str, ...] = ()  # up to two columns counted distinct per window (cards per IP…)
    merchant_id: str | None = None  # keep to one merchant's attempts
    # The windows counted, shortest first: the scan goes back as far as the last one.
    windows: tuple[str, ...] = tuple(WINDOWS)
    # Count the declined attempts only (their own partial index): a busy merchant's declines are few, all its
    # attempts are not. Its answer then has `declined_{window}` only.
    declined_only: bool = False

    @property
    def shape(self) -> Shape:
        return self.column, self.distinct, self.merchant_id is not None, self.windows, self.declined_only


Shape = tuple[str, tuple[str, ...], bool, tuple[str, ...], bool]
# The declined results, written into the SQL as constants: a generic plan can then use the partial index of the
# declined attempts (a bound parameter could be anything, so its predicate could not be proved).
_DECLINED_SQL = RiskAttempt.result.in_([literal_column(f"'{result}'") for result in DECLINED])


def _branch(
    index: int,
    column: str,
    distinct: tuple[str, ...],
    one_merchant: bool,
    windows: tuple[str, ...],
    declined_only: bool = False,
) -> Select[Any]:
    """One dimension's row. Its attempts are first grouped (one pass over the index, one `CASE` per attempt)
    by the shortest window each falls in (the windows are nested), its result and the columns counted
    distinct; the windows' counts are then summed over those few groups. Counting every window with
    aggregates over the attempts themselves cost a `CASE` per attempt, window and count, and a sort of the
    window's attempts per distinct count: the stage's cost grew with a busy card's or merchant's volume
    (docs/fraud.md, "The stage's cost")."""
    shorter = [(RiskAttempt.created >= bindparam(f"since_{name}"), rank) for rank, name in enumerate(windows[:-1])]
    when: Any = case(*shorter, else_=len(windows) - 1) if shorter else literal(0)
    keys: list[Any] = [when.label("rank"), RiskAttempt.result]
    keys += [getattr(RiskAttempt, name) for name in distinct[:2]]
    inner = select(*keys, cast(func.count(), Integer).label("n")).where(
        RiskAttempt.livemode == bindparam("livemode"),
        getattr(RiskAttempt, column) == bindparam(f"value_{index}"),
        RiskAttempt.created >= bindparam(f"since_{windows[-1]}"),
    )
    if one_merchant:
        inner = inner.where(RiskAttempt.merchant_id == bindparam(f"merchant_{index}"))
    if declined_only:
        inner = inner.where(_DECLINED_SQL)
    groups = inner.group_by(*keys).subquery(f"groups_{index}")
    declined, authorized = groups.c.result.in_(DECLINED), groups.c.result == "authorized"
    exprs: list[Any] = [literal(index).label("dimension")]
    for name in WINDOWS:  # every branch has every window's columns (a UNION's are alike); uncounted ones are 0
        if name not in windows:
            exprs += [literal(0) for _ in range(5)]
            continue
        within = groups.c.rank <= windows.index(name)
        exprs += [_sum(groups.c.n, within), _sum(groups.c.n, within & declined), _sum(groups.c.n, within & authorized)]
        exprs += [
            func.count(func.distinct(case((within, groups.c[distinct[slot]]), else_=None)))
            if slot < len(distinct)
            else literal(0)
            for slot in range(2)
        ]
    # A card's branch also answers its fraud history (any time, not only the week): no round trip of its own.
    history = _reported(index, one_merchant).scalar_subquery() if column == "fingerprint" else null()
    exprs.append(cast(history, RiskAttempt.fraud_report.type).label("history"))
    exprs += [cast(null(), String) for _ in range(4)]  # the texts of the merchant's rules and lists, if asked for
    return select(*exprs).select_from(groups)


def _sum(count: Any, condition: Any) -> Any:
    """The groups' attempts that meet `condition` (a BIGINT, as the other branches' columns)."""
    return cast(func.coalesce(func.sum(case((condition, count), else_=0)), 0), BigInteger)


@lru_cache(maxsize=64)
def _statement(shapes: tuple[Shape, ...], book: bool = False) -> CompoundSelect[Any]:
    """The UNION ALL for these dimensions' shapes (and the merchant's rules and lists: `book`), built once
    (building it costs more than running it)."""
    branches = [_branch(index, *shape) for index, shape in enumerate(shapes)]
    return union_all(*branches, *(repository.book_branches(5 * len(WINDOWS)) if book else ()))


async def counts_many(session: AsyncSession, livemode: bool, now: int, dims: list[Dimension]) -> list[dict[str, int]]:
    """Attempts, declines and authorizations per window (and the distinct counts asked for) of every
    dimension, in one round trip: one indexed range scan per dimension, joined by UNION ALL. Only the
    windows a dimension asks for are in its answer."""
    found, _history = await counts_and_history(session, livemode, now, dims)
    return found


async def counts_and_history(
    session: AsyncSession, livemode: bool, now: int, dims: list[Dimension]
) -> tuple[list[dict[str, int]], str | None]:
    """`counts_many`, and the fraud history (as `fraud_history`) of the card among the dimensions, in the
    same round trip."""
    found, history, _book = await counts_history_book(session, livemode, now, dims)
    return found, history


async def counts_history_book(
    session: AsyncSession, livemode: bool, now: int, dims: list[Dimension], book: dict[str, Any] | None = None
) -> tuple[list[dict[str, int]], str | None, list[Any]]:
    """`counts_and_history`, and the rows of `repository.book_branches` (the merchant's rules and lists) when
    `book` gives their parameters (`repository.book_params`): the risk stage's one round trip."""
    params: dict[str, Any] = {"livemode": livemode} | {f"since_{n}": now - s for n, s in WINDOWS.items()}
    for index, dim in enumerate(dims):
        params[f"value_{index}"] = dim.value
        if dim.merchant_id is not None:
            params[f"merchant_{index}"] = dim.merchant_id
    statement = _statement(tuple(dim.shape for dim in dims), book is not None)
    rows = await prepared.fetch(session, statement, params | (book or {}))
    found: list[dict[str, int]] = [{} for _ in dims]
    history: str | None = None
    book_rows = [row for row in rows if row[0] < 0]
    for row in rows:
        index = int(row[0])
        if index < 0:
            continue
        history = history or row[-5]
        dim = dims[index]
        layout = _layout(dim.windows, dim.distinct, dim.declined_only)
        found[index] = {key: int(row[column] or 0) for key, column in layout}
    return found, history, book_rows


@lru_cache(maxsize=64)
def _layout(
    windows: tuple[str, ...], distinct: tuple[str, ...], declined_only: bool = False
) -> tuple[tuple[str, int], ...]:
    """(key, column of its `_branch` row) of each count a dimension answers: per window counted, its attempts,
    declines and authorizations (its declines only, for a `declined_only` dimension), and its distinct counts
    (up to two). Built once per shape, not per row."""
    layout: list[tuple[str, int]] = []
    kinds = ("declined",) if declined_only else ("total", "declined", "authorized")
    for position, name in enumerate(WINDOWS):
        if name not in windows:
            continue
        first = 1 + 5 * position  # after the dimension's index, five columns per window
        layout += [
            (f"{kind}_{name}", first + k) for k, kind in enumerate(("total", "declined", "authorized")) if kind in kinds
        ]
        layout += [(f"distinct_{column}_{name}", first + 3 + slot) for slot, column in enumerate(distinct[:2])]
    return tuple(layout)


async def counts(
    session: AsyncSession,
    livemode: bool,
    dimension: str,
    value: str,
    now: int,
    *,
    distinct: tuple[str, ...] = (),
    merchant_id: str | None = None,
) -> dict[str, int]:
    """The windows of one dimension (see `counts_many`)."""
    [found] = await counts_many(session, livemode, now, [Dimension(dimension, value, distinct, merchant_id)])
    return found


async def fraud_history(
    session: AsyncSession, livemode: bool, fingerprint: str, *, merchant_id: str | None = None
) -> str | None:
    """How this card was reported as fraud anywhere on the network (the first report's kind), or None."""
    params: dict[str, Any] = {"livemode": livemode, "value_0": fingerprint}
    if merchant_id is not None:
        params["merchant_0"] = merchant_id
    rows = await prepared.fetch(session, _history(merchant_id is not None), params)
    return str(rows[0][0]) if rows else None


@lru_cache(maxsize=2)
def _history(one_merchant: bool) -> Select[Any]:
    return _reported(0, one_merchant)


def _reported(index: int, one_merchant: bool) -> Select[Any]:
    """The first fraud report on the card `value_{index}` (at the merchant `merchant_{index}`). Its own
    alias of the table, so that inside a branch it is a subquery of its own, not tied to the branch's rows."""
    row = aliased(RiskAttempt)
    stmt = select(row.fraud_report).where(
        row.livemode == bindparam("livemode"),
        row.fingerprint == bindparam(f"value_{index}"),
        row.fraud_report.is_not(None),
    )
    if one_merchant:
        stmt = stmt.where(row.merchant_id == bindparam(f"merchant_{index}"))
    return stmt.limit(1)


async def add(session: AsyncSession, attempt: RiskAttempt) -> None:
    session.add(attempt)
    await session.flush()


# `inline()`: no RETURNING of the new row's key, which nothing reads.
_INSERT = insert(RiskAttempt.__table__).inline()  # type: ignore[arg-type]


async def insert_attempt(session: AsyncSession, row: dict[str, Any]) -> None:
    """The risk stage's record: one INSERT in the session's transaction (on asyncpg's connection directly, as
    the stage's reads: `prepared`), not through the unit of work, which would flush whatever else the session
    holds and read the new key back."""
    await prepared.execute(session, _INSERT, row)


async def report_fraud(session: AsyncSession, charge_id: str, kind: str) -> None:
    """Mark a charge's attempt as reported fraud: its card now carries that history network-wide."""
    stmt = (
        update(RiskAttempt)
        .where(RiskAttempt.charge_id == charge_id, RiskAttempt.fraud_report.is_(None))
        .values(fraud_report=kind)
    )
    await session.execute(stmt)


async def clear_user_report(session: AsyncSession, charge_id: str) -> None:
    """The merchant took back its `user_report=fraudulent`."""
    stmt = (
        update(RiskAttempt)
        .where(RiskAttempt.charge_id == charge_id, RiskAttempt.fraud_report == "user_report")
        .values(fraud_report=None)
    )
    await session.execute(stmt)


async def recent_for_merchant(
    session: AsyncSession, merchant_id: str, livemode: bool, since: int, limit: int
) -> list[tuple[dict[str, Any], int]]:
    """The attributes and score of a merchant's attempts since `since` (newest first), for testing a rule."""
    stmt = (
        select(RiskAttempt.attributes, RiskAttempt.risk_score)
        .where(RiskAttempt.merchant_id == merchant_id, RiskAttempt.livemode == livemode, RiskAttempt.created >= since)
        .order_by(RiskAttempt.created.desc(), RiskAttempt.pk.desc())
        .limit(limit)
    )
    return [(dict(attrs), int(score)) for attrs, score in (await session.execute(stmt)).all()]


async def attributes_of(
    session: AsyncSession, merchant_id: str, livemode: bool, charge_id: str
) -> dict[str, Any] | None:
    stmt = select(RiskAttempt.attributes).where(
        RiskAttempt.charge_id == charge_id, RiskAttempt.merchant_id == merchant_id, RiskAttempt.livemode == livemode
    )
    found = (await session.execute(stmt)).scalars().first()
    return None if found is None else dict(found)


async def purge(session: AsyncSession, before: int) -> int:
    """Forget attempts older than `before`, except those reported as fraud: they are the card's history."""
    stmt = sa_delete(RiskAttempt).where(RiskAttempt.created < before, RiskAttempt.fraud_report.is_(None))
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
