"""Cursor pagination over any public object table, strictly newest first.

Objects are ordered by (`created` desc, `pk` desc): `pk` breaks ties between objects
created within the same second, so pages never skip or repeat one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.errors import InvalidRequestError, ResourceMissing

T = TypeVar("T")


@dataclass(frozen=True)
class CreatedFilter:
    """`created=…` or `created[gt|gte|lt|lte]=…`, in Unix seconds."""

    eq: int | None = None
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@dataclass(frozen=True)
class PageRequest:
    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    created: CreatedFilter | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    has_more: bool


def _apply_created(stmt: Select[Any], column: Any, created: CreatedFilter | None) -> Select[Any]:
    if created is None:
        return stmt
    if created.eq is not None:
        stmt = stmt.where(column == created.eq)
    if created.gt is not None:
        stmt = stmt.where(column > created.gt)
    if created.gte is not None:
        stmt = stmt.where(column >= created.gte)
    if created.lt is not None:
        stmt = stmt.where(column < created.lt)
    if created.lte is not None:
        stmt = stmt.where(column <= created.lte)
    return stmt


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    model: Any,
    page: PageRequest,
    *,
    object_name: str,
) -> Page[Any]:
    """Run `stmt` (already scoped to the caller) one page at a time.

    A cursor must name an object the same `stmt` can see; another merchant's id is
    "No such …", just like a missing one.
    """
    if page.starting_after and page.ending_before:
        raise InvalidRequestError(
            "You may only specify one of starting_after and ending_before.", param="ending_before"
        )
    stmt = _apply_created(stmt, model.created, page.created)
    cursor_id = page.starting_after or page.ending_before
    if cursor_id:
        cursor_param = "starting_after" if page.starting_after else "ending_before"
        base = stmt.with_only_columns(model.created, model.pk).where(model.id == cursor_id)
        cursor = (await session.execute(base.limit(1))).first()
        if cursor is None:
            raise ResourceMissing(object_name, cursor_id, param=cursor_param)
        created, pk = cursor
        # A row-value comparison, not `created < c OR (created = c AND pk < p)`: PostgreSQL turns it into an index
        # bound and starts at the cursor, where the OR form walks the index from the newest row to it.
        position = tuple_(model.created, model.pk)
        older, newer = position < tuple_(created, pk), position > tuple_(created, pk)
        stmt = stmt.where(older if page.starting_after else newer)
    if page.ending_before:
        rows = (await session.scalars(stmt.order_by(model.created.asc(), model.pk.asc()).limit(page.limit + 1))).all()
        has_more = len(rows) > page.limit
        return Page(items=list(reversed(rows[: page.limit])), has_more=has_more)
    rows = (await session.scalars(stmt.order_by(model.created.desc(), model.pk.desc()).limit(page.limit + 1))).all()
    return Page(items=rows[: page.limit], has_more=len(rows) > page.limit)


def scoped_select(model: Any, merchant_id: str, livemode: bool) -> Select[Any]:
    return select(model).where(model.merchant_id == merchant_id, model.livemode == livemode)


async def scoped_get(
    session: AsyncSession, stmt: Select[Any], model: Any, object_id: str, *, for_update: bool = False
) -> Any:
    """The one object of `stmt` (already scoped) with this id, locked if asked, or None."""
    stmt = stmt.where(model.id == object_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()
