"""All queries on the idempotency_keys table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
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


async def insert_claim(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """A new row for the key, in one statement: its pk, or None if the key has a row already. A row another
    transaction inserted and has not committed yet is waited for (the unique key), then counts if it committed."""
    insert = await insert_on_conflict(session, IdempotencyKey)
    key = [IdempotencyKey.merchant_id, IdempotencyKey.livemode, IdempotencyKey.key]
    stmt = insert.values(values).on_conflict_do_nothing(index_elements=key).returning(IdempotencyKey.pk)
    pk: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return pk


async def insert(session: AsyncSession, row: IdempotencyKey) -> None:
    session.add(row)
    await session.flush()


async def complete(session: AsyncSession, pk: int, status: int, body: bytes, *, request_id: str | None = None) -> bool:
    """The row done with its response; with `request_id`, only while that request holds it. True if written."""
    stmt = update(IdempotencyKey).where(IdempotencyKey.pk == pk)
    if request_id is not None:
        stmt = stmt.where(IdempotencyKey.request_id == request_id, IdempotencyKey.status == IdempotencyStatus.IN_FLIGHT)
    values = {"status": IdempotencyStatus.DONE, "response_status": status, "response_body": body}
    result = await session.execute(stmt.values(**values))
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
