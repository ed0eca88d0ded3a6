"""Idempotency keys as Stripe defines them.

An API request claims its key with `claim_in`, as the first statement of its own work transaction: one
`INSERT … ON CONFLICT DO NOTHING RETURNING`, and only when the key has a row already a read of that row. The
claim commits with the work's first phase (a payment's attempt, committed before the processor is called)
or with the whole request. Until then a concurrent request with the same key waits on the claim's row (its
unique key), then replays the result or, once a first phase committed the claim, gets a 409. A processor
is never called before the claim is committed (`core.db.require_committed_claim`): a request that would
is run again with the key claimed by `claim`, in its own short transaction first, as Lynk's pages do.
The result of the request is stored by `complete` *inside the request's own transaction*, so the work and
its stored response commit together: a crash can't leave one without the other. Errors found
after the work began are stored with `store_error`; a request that failed
unexpectedly (rolled back, nothing written) is `release`d so a retry runs it again. Both act on the
key's row only while it is this request's claim (a claim rolled back with the work left none, or the row
as it was before).

A fingerprint is a keyed HMAC (the key sealed by the vault) over the request's canonical form, from
which the caller has already replaced card data by keyed values: a stolen table lets no one test
guesses of a card number or CVC against it. Rows from before keyed fingerprints (migration 0050) have
an empty fingerprint: they replay, as their parameters can no longer be compared.

A key left in flight by a process that died (SIGKILL, a crash) is claimed again as soon as its owner is seen gone
(`core.process.gone`), or else once its lock expires.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core import process
from lynk.core.db import Database, hold_claim
from lynk.core.scope import Scope
from lynk.idempotency import repository
from lynk.idempotency.errors import KeyEmpty, KeyInUse, KeyReusedWithOtherParameters, KeyTooLong
from lynk.models import IdempotencyKey, IdempotencyStatus

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Claim:
    pk: int
    created: int
    """When the key was first claimed for this request (kept when a retry reclaims it after a crash)."""
    request: ClaimRequest
    retry: bool = False
    """An earlier run of the same request (same key and parameters) ended without a result: this is its retry."""


@dataclass(frozen=True)
class Replay:
    status: int
    body: bytes


LEGACY_FINGERPRINT = ""


def fingerprint(key: bytes, method: str, path: str, params: dict[str, Any]) -> str:
    """The same request, whatever the order of its parameters, has the same fingerprint under `key`."""
    canonical = json.dumps([method, path, params], sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ClaimRequest:
    """What a request brings to claim a key."""

    scope: Scope
    key: str
    fingerprint: str
    request_id: str
    now: int
    lock_seconds: int
    retention_seconds: int

    def fresh_values(self) -> dict[str, Any]:
        """The columns of a new claim of the key by this request."""
        return {
            "merchant_id": self.scope.merchant_id,
            "livemode": self.scope.livemode,
            "key": self.key,
            "fingerprint": self.fingerprint,
            "status": IdempotencyStatus.IN_FLIGHT,
            "created": self.now,
            "locked_until": self.now + self.lock_seconds,
            "request_id": self.request_id,
            "owner": process.identity(),
        }

    def fresh_row(self) -> IdempotencyKey:
        return IdempotencyKey(**self.fresh_values())


class _Vanished(Exception):
    """The key's row, met by the claim's insert, was gone when read (deleted meanwhile by the purge of expired
    keys): the insert is tried again."""


def _check_key(key: str) -> None:
    if not key.strip():  # a blank key would make every request with it "the same request"
        raise KeyEmpty()
    if len(key) > MAX_KEY_LENGTH:
        raise KeyTooLong(MAX_KEY_LENGTH)


async def claim(db: Database, request: ClaimRequest) -> Claim | Replay:
    """Claim the key for this request in a short transaction of its own, or return the stored result to replay."""
    _check_key(request.key)
    for _ in range(3):
        try:
            async with db.transaction() as session:
                return await _claim_in(session, request)
        except _Vanished:
            continue
    raise KeyInUse()


async def claim_in(session: AsyncSession, request: ClaimRequest) -> Claim | Replay:
    """Claim the key as the first work of `session`'s transaction (it commits with the work's first phase), or
    return the stored result to replay. The session must hold nothing else yet: a lost race rolls it back."""
    _check_key(request.key)
    for _ in range(3):
        try:
            claimed = await _claim_in(session, request)
        except _Vanished:
            continue  # nothing was written: the session still holds nothing
        if isinstance(claimed, Claim):
            hold_claim(session)
        return claimed
    raise KeyInUse()


async def _claim_in(session: AsyncSession, request: ClaimRequest) -> Claim | Replay:
    # A new key is claimed by the insert alone; a key another request inserted first (waited for until its
    # transaction ended) has its row read, locked, to replay it, refuse it or take it over.
    pk = await repository.insert_claim(session, request.fresh_values())
    if pk is not None:
        return Claim(pk, request.now, request)
    row = await repository.find_for_update(session, request.scope, request.key)
    if row is None:
        raise _Vanished()
    expired = row.created < request.now - request.retention_seconds
    in_flight = row.status == IdempotencyStatus.IN_FLIGHT
    # Left by a request that will never finish: its lock ran out, or the process that held it died.
    abandoned = in_flight and (row.locked_until <= request.now or process.gone(row.owner))
    if expired or abandoned:
        # Start over in the same row: a new claim by this request. A retry of the crashed request keeps its
        # `created`, from which its processor keys derive, so the processor is asked the same questions again.
        retry = not expired and row.fingerprint == request.fingerprint
        fresh = request.fresh_row()
        for column in ("fingerprint", "status", "locked_until", "request_id", "owner"):
            setattr(row, column, getattr(fresh, column))
        row.created = row.created if retry else fresh.created
        row.response_status = None
        row.response_body = None
        return Claim(row.pk, row.created, request, retry)
    if in_flight:
        raise KeyInUse()
    if row.fingerprint not in (request.fingerprint, LEGACY_FINGERPRINT):
        raise KeyReusedWithOtherParameters(request.key)
    assert row.response_status is not None and row.response_body is not None
    return Replay(row.response_status, row.response_body)


async def complete(session: AsyncSession, claimed: Claim, status: int, body: bytes) -> None:
    """Store the response in the request's transaction."""
    await repository.complete(session, claimed.pk, status, body)


async def store_error(db: Database, claimed: Claim, status: int, body: bytes) -> None:
    """Keep an error found after the work began, for the key's replays. A claim that rolled back with the work
    left no row: one is made, done (unless another request claimed the key meanwhile); a claim that took over
    an abandoned row, rolled back, left that row as it was: its next retry takes it over again."""
    request = claimed.request
    async with db.transaction() as session:
        if await repository.complete(session, claimed.pk, status, body, request_id=request.request_id):
            return
        if await repository.find_for_update(session, request.scope, request.key) is not None:
            return
        row = request.fresh_row()
        row.created, row.status = claimed.created, IdempotencyStatus.DONE
        row.response_status, row.response_body = status, body
        try:
            async with session.begin_nested():
                await repository.insert(session, row)
        except IntegrityError:
            pass  # a concurrent request with the key claimed it first: its result stands


async def release(db: Database, claimed: Claim) -> None:
    """The request ended without a result to keep: the next one with the key runs it again. Its row stays,
    so a retry with the same parameters keeps `created` and asks the processor the same questions (an
    attempt committed before a processor call may be waiting for it, see docs/architecture.md). A claim
    that rolled back with the work left nothing to release (and nothing was asked of a processor)."""
    async with db.transaction() as session:
        await repository.unlock_in_flight(session, claimed.pk, claimed.request.request_id)


async def purge_expired(db: Database, *, now: int, retention_seconds: int) -> int:
    """Delete keys older than the retention window; returns how many went."""
    async with db.transaction() as session:
        return await repository.delete_created_before(session, now - retention_seconds)
