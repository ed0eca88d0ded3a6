"""Idempotency keys as Stripe defines them.

`claim` runs in its own short transaction, so a concurrent request with the same key
sees the claim at once and gets a 409. The result of the request is stored by
`complete` *inside the request's own transaction*, so the work and its stored
response commit together: a crash can't leave one without the other. Errors found
after the work began are stored with `store_error`; a request that failed
unexpectedly (rolled back, nothing written) is `release`d so a retry runs it again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.db import Database
from lynk.core.scope import Scope
from lynk.idempotency import repository
from lynk.idempotency.errors import KeyInUse, KeyReusedWithOtherParameters, KeyTooLong
from lynk.models import IdempotencyKey, IdempotencyStatus

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Claim:
    pk: int


@dataclass(frozen=True)
class Replay:
    status: int
    body: bytes


def fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
    """The same request, whatever the order of its parameters, has the same fingerprint."""
    canonical = json.dumps([method, path, params], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(
    db: Database,
    scope: Scope,
    key: str,
    request_fingerprint: str,
    *,
    now: int,
    request_id: str,
    lock_seconds: int,
    retention_seconds: int,
) -> Claim | Replay:
    if len(key) > MAX_KEY_LENGTH:
        raise KeyTooLong(MAX_KEY_LENGTH)
    for _ in range(3):
        try:
            async with db.transaction() as session:
                return await _claim_in(
                    session, scope, key, request_fingerprint, now, request_id, lock_seconds, retention_seconds
                )
        except IntegrityError:
            continue  # another request inserted the same key first; look again
    raise KeyInUse()


async def _claim_in(
    session: AsyncSession,
    scope: Scope,
    key: str,
    request_fingerprint: str,
    now: int,
    request_id: str,
    lock_seconds: int,
    retention_seconds: int,
) -> Claim | Replay:
    row = await repository.find_for_update(session, scope, key)
    if row is None:
        row = IdempotencyKey(
            merchant_id=scope.merchant_id,
            livemode=scope.livemode,
            key=key,
            fingerprint=request_fingerprint,
            status=IdempotencyStatus.IN_FLIGHT,
            created=now,
            locked_until=now + lock_seconds,
            request_id=request_id,
        )
        await repository.insert(session, row)
        return Claim(row.pk)
    expired = row.created < now - retention_seconds
    abandoned = row.status == IdempotencyStatus.IN_FLIGHT and row.locked_until <= now
    if expired or abandoned:
        row.fingerprint = request_fingerprint
        row.status = IdempotencyStatus.IN_FLIGHT
        row.created = now
        row.locked_until = now + lock_seconds
        row.request_id = request_id
        row.response_status = None
        row.response_body = None
        return Claim(row.pk)
    if row.status == IdempotencyStatus.IN_FLIGHT:
        raise KeyInUse()
    if row.fingerprint != request_fingerprint:
        raise KeyReusedWithOtherParameters(key)
    assert row.response_status is not None and row.response_body is not None
    return Replay(row.response_status, row.response_body)


async def complete(session: AsyncSession, claimed: Claim, status: int, body: bytes) -> None:
    """Store the response in the request's transaction."""
    await repository.complete(session, claimed.pk, status, body)


async def store_error(db: Database, claimed: Claim, status: int, body: bytes) -> None:
    async with db.transaction() as session:
        await repository.complete(session, claimed.pk, status, body)


async def release(db: Database, claimed: Claim) -> None:
    async with db.transaction() as session:
        await repository.delete_in_flight(session, claimed.pk)


async def purge_expired(db: Database, *, now: int, retention_seconds: int) -> int:
    """Delete keys older than the retention window; returns how many went."""
    async with db.transaction() as session:
        return await repository.delete_created_before(session, now - retention_seconds)
