"""Radar's queries on its merchant-scoped tables (early fraud warnings, rules, value lists, reviews).

Velocity windows over the network-wide attempts table are in `velocity.py`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy import delete as sa_delete
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.db import insert_on_conflict
from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import EarlyFraudWarning, RadarRule, Review, ValueList, ValueListItem, ValueListStamp
from lynk.radar import prepared


async def get(session: AsyncSession, scope: Scope, warning_id: str) -> EarlyFraudWarning | None:
    stmt = scoped_select(EarlyFraudWarning, scope.merchant_id, scope.livemode)
    found: EarlyFraudWarning | None = await scoped_get(session, stmt, EarlyFraudWarning, warning_id)
    return found


async def list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, charge_id: str | None, payment_intent_id: str | None
) -> Page[EarlyFraudWarning]:
    stmt = scoped_select(EarlyFraudWarning, scope.merchant_id, scope.livemode)
    if charge_id is not None:
        stmt = stmt.where(EarlyFraudWarning.charge_id == charge_id)
    if payment_intent_id is not None:
        stmt = stmt.where(EarlyFraudWarning.payment_intent_id == payment_intent_id)
    return await paginate(session, stmt, EarlyFraudWarning, page, object_name="radar.early_fraud_warning")


# Rules


@dataclass(frozen=True)
class RuleRow:
    """What the risk stage reads of a rule row (plain columns: no ORM object to build per payment)."""

    id: str
    action: str
    predicate: str
    builtin: str | None
    deleted: bool
    created: int


_RULE_ROWS = (
    select(RadarRule.id, RadarRule.action, RadarRule.predicate, RadarRule.builtin, RadarRule.deleted, RadarRule.created)
    .where(RadarRule.merchant_id == bindparam("merchant_id"), RadarRule.livemode == bindparam("livemode"))
    .order_by(RadarRule.created, RadarRule.pk)
)


async def rule_rows(session: AsyncSession, scope: Scope) -> list[RuleRow]:
    """The merchant's rules and its switched-off defaults, oldest first (deleted custom rules left out), in
    one prepared statement."""
    found = await session.execute(_RULE_ROWS, {"merchant_id": scope.merchant_id, "livemode": scope.livemode})
    rows = [RuleRow(*row) for row in found.all()]
    return [row for row in rows if row.builtin is not None or not row.deleted]


async def rules(session: AsyncSession, scope: Scope) -> list[RadarRule]:
    """The merchant's rules and its switched-off defaults, oldest first (deleted custom rules left out)."""
    stmt = scoped_select(RadarRule, scope.merchant_id, scope.livemode).order_by(RadarRule.created, RadarRule.pk)
    found = (await session.scalars(stmt)).all()
    return [row for row in found if row.builtin is not None or not row.deleted]


async def get_rule(session: AsyncSession, scope: Scope, rule_id: str) -> RadarRule | None:
    found: RadarRule | None = await scoped_get(
        session, scoped_select(RadarRule, scope.merchant_id, scope.livemode), RadarRule, rule_id
    )
    return found


async def add(session: AsyncSession, row: Any) -> None:
    session.add(row)
    await session.flush()


# Value lists


# The values of the merchant's lists (every list's, or those of `aliases`).
_ALL_LIST_VALUES = (
    select(ValueList.alias, ValueListItem.value)
    .join(ValueListItem, ValueListItem.value_list_id == ValueList.id)
    .where(ValueList.merchant_id == bindparam("merchant_id"), ValueList.livemode == bindparam("livemode"))
)
_LIST_VALUES = _ALL_LIST_VALUES.where(ValueList.alias.in_(bindparam("aliases", expanding=True)))


# The risk stage's rules and the stamp of the merchant's value lists, as rows shaped like the velocity windows'
# (`velocity.counts_history_book` appends them to its statement: one round trip for the stage). Each row is
# (kind, `counts` integers: deleted, created and pk first, history, then four texts):
# a rule (kind -1) has id, action, predicate and builtin; the lists' stamp (kind -3) has the stamp, -, -, -.
# The lists' values are read only when the stamp is not the one this process last read (`list_values`).
RULE_ROW, STAMP_ROW = -1, -3


def book_branches(counts: int) -> list[Select[Any]]:
    """The rows; bound parameters `merchant_id` and `livemode`."""
    text: Any = cast(null(), String)
    zeros: list[Any] = [literal(0) for _ in range(counts - 3)]
    rule_columns: list[Any] = [literal(RULE_ROW), cast(RadarRule.deleted, Integer), RadarRule.created, RadarRule.pk]
    rule_columns += [*zeros, text, RadarRule.id, RadarRule.action, RadarRule.predicate, RadarRule.builtin]
    rule = select(*rule_columns).where(
        RadarRule.merchant_id == bindparam("merchant_id"), RadarRule.livemode == bindparam("livemode")
    )
    stamp_columns: list[Any] = [literal(STAMP_ROW), literal(0), literal(0), literal(0), *zeros, text]
    stamp_columns += [ValueListStamp.stamp, text, text, text]
    stamp = select(*stamp_columns).where(
        ValueListStamp.merchant_id == bindparam("merchant_id"), ValueListStamp.livemode == bindparam("livemode")
    )
    return [rule, stamp]


_BOOK_ROWS: CompoundSelect[Any] = union_all(*book_branches(3))


def book_params(scope: Scope) -> dict[str, Any]:
    return {"merchant_id": scope.merchant_id, "livemode": scope.livemode}


def read_book(rows: Sequence[Any]) -> tuple[list[RuleRow], str | None]:
    """`rule_rows` and the stamp of the merchant's lists (None: it never had any), from the rows of
    `book_branches`."""
    found: list[tuple[int, int, RuleRow]] = []
    stamp: str | None = None
    for row in rows:
        key, action, text, builtin = row[-4:]
        if row[0] == STAMP_ROW:
            stamp = key
        elif builtin is not None or not row[1]:
            found.append((int(row[2]), int(row[3]), RuleRow(key, action, text, builtin, bool(row[1]), int(row[2]))))
    return [rule for _created, _pk, rule in sorted(found, key=lambda item: item[:2])], stamp


async def book_rows(session: AsyncSession, scope: Scope) -> list[Any]:
    """The rows of `book_branches` (see `read_book`): `rule_rows` and the lists' stamp, in one prepared
    statement."""
    return list(await prepared.fetch(session, _BOOK_ROWS, book_params(scope)))


async def stamp_lists(session: AsyncSession, scope: Scope) -> None:
    """A new stamp for the merchant's value lists: call it in the transaction of any change to them or their
    items, so every process's risk stage reads their values again at its next payment."""
    row = {"merchant_id": scope.merchant_id, "livemode": scope.livemode, "stamp": uuid.uuid4().hex}
    insert = (await insert_on_conflict(session, ValueListStamp)).values(row)
    # One statement, so two first changes at once both leave a stamp (no unique-key error for the second).
    key = [ValueListStamp.merchant_id, ValueListStamp.livemode]
    await session.execute(insert.on_conflict_do_update(index_elements=key, set_={"stamp": insert.excluded.stamp}))


async def list_values(session: AsyncSession, scope: Scope, aliases: list[str] | None = None) -> dict[str, list[str]]:
    """The values per alias of the merchant's lists named in `aliases` (each named one present, maybe empty),
    or of every list when `aliases` is None (lists without items left out)."""
    if aliases is None:
        statement, params = _ALL_LIST_VALUES, book_params(scope)
    elif not aliases:
        return {}
    else:
        statement, params = _LIST_VALUES, {**book_params(scope), "aliases": aliases}
    out: dict[str, list[str]] = {alias: [] for alias in aliases or ()}
    for alias, value in (await session.execute(statement, params)).all():
        out.setdefault(alias, []).append(value)
    return out


async def value_lists(session: AsyncSession, scope: Scope) -> list[ValueList]:
    return list((await session.scalars(scoped_select(ValueList, scope.merchant_id, scope.livemode))).all())


async def get_value_list(session: AsyncSession, scope: Scope, list_id: str) -> ValueList | None:
    found: ValueList | None = await scoped_get(
        session, scoped_select(ValueList, scope.merchant_id, scope.livemode), ValueList, list_id
    )
    return found


async def value_list_by_alias(session: AsyncSession, scope: Scope, alias: str) -> ValueList | None:
    stmt = scoped_select(ValueList, scope.merchant_id, scope.livemode).where(ValueList.alias == alias)
    found: ValueList | None = (await session.scalars(stmt)).first()
    return found


async def value_list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, alias: str | None, contains: str | None
) -> Page[ValueList]:
    stmt = scoped_select(ValueList, scope.merchant_id, scope.livemode)
    if alias is not None:
        stmt = stmt.where(ValueList.alias == alias)
    if contains is not None:
        held = select(ValueListItem.value_list_id).where(ValueListItem.value == contains)
        stmt = stmt.where(ValueList.id.in_(held))
    return await paginate(session, stmt, ValueList, page, object_name="radar.value_list")


async def items_of(session: AsyncSession, list_id: str) -> list[ValueListItem]:
    stmt = select(ValueListItem).where(ValueListItem.value_list_id == list_id).order_by(ValueListItem.pk.desc())
    return list((await session.scalars(stmt)).all())


async def item_count(session: AsyncSession, list_id: str) -> int:
    stmt = select(func.count()).where(ValueListItem.value_list_id == list_id)
    return int((await session.execute(stmt)).scalar_one())


async def get_item(session: AsyncSession, scope: Scope, item_id: str) -> ValueListItem | None:
    found: ValueListItem | None = await scoped_get(
        session, scoped_select(ValueListItem, scope.merchant_id, scope.livemode), ValueListItem, item_id
    )
    return found


async def item_by_value(session: AsyncSession, list_id: str, value: str) -> ValueListItem | None:
    stmt = select(ValueListItem).where(ValueListItem.value_list_id == list_id, ValueListItem.value == value)
    found: ValueListItem | None = (await session.scalars(stmt)).first()
    return found


async def item_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, list_id: str, value: str | None
) -> Page[ValueListItem]:
    stmt = scoped_select(ValueListItem, scope.merchant_id, scope.livemode).where(ValueListItem.value_list_id == list_id)
    if value is not None:
        stmt = stmt.where(ValueListItem.value == value)
    return await paginate(session, stmt, ValueListItem, page, object_name="radar.value_list_item")


async def delete(session: AsyncSession, row: Any) -> None:
    await session.delete(row)
    await session.flush()


async def delete_items(session: AsyncSession, list_id: str) -> None:
    await session.execute(sa_delete(ValueListItem).where(ValueListItem.value_list_id == list_id))


# Reviews


async def get_review(session: AsyncSession, scope: Scope, review_id: str, *, for_update: bool = False) -> Review | None:
    stmt = scoped_select(Review, scope.merchant_id, scope.livemode)
    found: Review | None = await scoped_get(session, stmt, Review, review_id, for_update=for_update)
    return found


async def open_review_of(session: AsyncSession, scope: Scope, charge_id: str) -> Review | None:
    stmt = scoped_select(Review, scope.merchant_id, scope.livemode).where(Review.charge_id == charge_id, Review.open)
    found: Review | None = (await session.scalars(stmt.with_for_update())).first()
    return found


async def review_page(session: AsyncSession, scope: Scope, page: PageRequest) -> Page[Review]:
    """Open reviews only, as Stripe lists them."""
    stmt = scoped_select(Review, scope.merchant_id, scope.livemode).where(Review.open)
    return await paginate(session, stmt, Review, page, object_name="review")


async def reviews_of_charges(session: AsyncSession, scope: Scope, charge_ids: list[str]) -> list[Review]:
    """The reviews of these charges, open or closed, newest first (the charge index)."""
    if not charge_ids:
        return []
    stmt = scoped_select(Review, scope.merchant_id, scope.livemode).where(Review.charge_id.in_(charge_ids))
    return list(await session.scalars(stmt.order_by(Review.created.desc(), Review.pk.desc())))
