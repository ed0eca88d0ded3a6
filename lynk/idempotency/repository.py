"""All queries on the idempotency_keys table."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.db import insert_on_conflict
from lynk.core.scope import Scope
from lynk.models import IdempotencyKey, IdempotencyStatus


async def find_for_update(session: AsyncSession, scope: Scope, key: str) -> IdempotencyKey | None:
    stmt = (
        select(IdempotencyKey)
        .where(
            IdempotencyKey.merchant_id == scope.merchant_id,
            IdempotencyKey.livemode == scope.livemode,
            IdempotencyKey.key == key,
        )
        .with_for_update()
    )
    return (await session.scalars(stmt)).first()


# Every idempotent POST runs the claim and its completion: built once (per backend's dialect), they cost a
# request no statement building, only their parameters.
_KEYS = cast(Table, IdempotencyKey.__table__)
_CLAIMS: dict[str, Any] = {}
_DONE = update(_KEYS).where(_KEYS.c.pk == bindparam("b_pk"))
_DONE_IF_HELD = _DONE.where(_KEYS.c.request_id == bindparam("b_request_id"), _KEYS.c.status == bindparam("b_held"))


async def insert_claim(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """A new row for the key, in one statement: its pk, or None if the key has a row already. A row another
    transaction inserted and has not committed yet is waited for (the unique key), then counts if it committed."""
    dialect = (await session.connection()).dialect.name
    stmt = _CLAIMS.get(dialect)
    if stmt is None:
        insert = await insert_on_conflict(session, _KEYS)
        unique = [_KEYS.c.merchant_id, _KEYS.c.livemode, _KEYS.c.key]
        stmt = _CLAIMS[dialect] = insert.on_conflict_do_nothing(index_elements=unique).returning(_KEYS.c.pk)
    pk: int | None = (await session.execute(stmt, values)).scalar_one_or_none()
    return pk


async def insert(session: AsyncSession, row: IdempotencyKey) -> None:
    session.add(row)
    await session.flush()


async def complete(session: AsyncSession, pk: int, status: int, body: bytes, *, request_id: str | None = None) -> bool:
    """The row done with its response; with `request_id`, only while that request holds it. True if written."""
    values: dict[str, Any] = {
        "b_pk": pk,
        "status": IdempotencyStatus.DONE,
        "response_status": status,
        "response_body": body,
    }
    if request_id is None:
        result = await session.execute(_DONE, values)
    else:
        held = {"b_request_id": request_id, "b_held": IdempotencyStatus.IN_FLIGHT}
        result = await session.execute(_DONE_IF_HELD, values | held)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unlock_in_flight(session: AsyncSession, pk: int, request_id: str) -> None:
    """Let the next request with the key claim it at once (keeping `created`, from which processor keys derive),
    if the request `request_id` still holds it (its claim may have rolled back with its work)."""
    await session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.pk == pk,
            IdempotencyKey.request_id == request_id,
            IdempotencyKey.status == IdempotencyStatus.IN_FLIGHT,
        )
        .values(locked_until=0, owner=None)
    )


async def delete_created_before(session: AsyncSession, cutoff: int) -> int:
    result = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
