"""One transaction per page action, work after commit, and actions that run once however often they are sent.

`transaction` opens the action's one transaction; what it queues on `after_commit` (a code to send) runs
once the transaction has committed, and a failure there is logged, never shown (the change stands).

`once` makes a form action idempotent, as the API's `Idempotency-Key` makes a POST: the page puts a new
random key in the form; the first submit claims it (idempotency.claim) and stores its answer in the same
transaction as the end of its work (a payment commits its attempt first and calls the processor between
two transactions, as the API does: `Database.phases`); a second submit of the same form (a double click,
a reload) replays that answer.
While it runs, the key names the request (`core.request_context`), so events say which action caused them
and processor keys derive from it (a refund sent twice reaches the processor once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.clock import unix
from lynk.core.errors import LynkError
from lynk.core.request_context import RequestInfo, current_request
from lynk.core.scope import Scope
from lynk.idempotency import service as idempotency
from lynk.payments.errors import AttemptInFlight
from lynk.runtime import Runtime
from lynk.web.csrf import runtime_of

logger = logging.getLogger(__name__)
AfterCommit = Callable[[], Awaitable[None]]
T = TypeVar("T")


@dataclass
class PageTx:
    """A page action's transaction."""

    session: AsyncSession
    runtime: Runtime
    now: int
    after_commit: list[AfterCommit] = field(default_factory=list)


async def run_after_commit(jobs: list[AfterCommit]) -> None:
    for job in jobs:
        try:
            await job()
        except Exception:  # the transaction committed: a failed send is logged, never shown
            logger.exception("work after commit failed")


@asynccontextmanager
async def transaction(request: Request, *, write: bool = True, phases: bool = False) -> AsyncIterator[PageTx]:
    """The action's one transaction: commits if the block succeeds, then runs its after-commit work. With
    `phases`, a processor attempt in it commits its earlier phases (`Database.phases`, `payments.attempts`)."""
    runtime = runtime_of(request)
    after: list[AfterCommit] = []
    opened = runtime.db.phases(write=write) if phases else runtime.db.transaction(write=write)
    async with opened as session:
        yield PageTx(session, runtime, unix(runtime.clock), after)
    await run_after_commit(after)


async def attempt(request: Request, work: Callable[[PageTx], Awaitable[T]], *, phases: bool = False) -> T | LynkError:
    """Run `work` in one transaction: its result, or the error (whose changes commit if it keeps them). With
    `phases`, a processor call in it commits what came before (`transaction`); an error rolls back its last phase."""
    try:
        async with transaction(request, phases=phases) as tx:
            try:
                return await work(tx)
            except LynkError as error:
                if not error.keep_changes:
                    raise
                return error
    except LynkError as error:
        return error


Work = Callable[[PageTx], Awaitable[tuple[int, bytes]]]


async def once(request: Request, scope: Scope, key: str, params: dict[str, Any], work: Work) -> tuple[int, bytes]:
    """Run `work` once for `key` in `scope`: its (status, body), or the stored one for a repeat.

    `work` runs in phases, its last one with its answer; if it raises, nothing more is stored and the key is
    released, so trying again runs again. A key sent with other `params` is refused as the API refuses it."""
    runtime = runtime_of(request)
    claimed = await idempotency.claim(
        runtime.db,
        idempotency.ClaimRequest(
            scope=scope,
            key=key,
            fingerprint=await runtime.fingerprint(scope, "POST", request.url.path, params),
            request_id=request.state.request_id,
            now=unix(runtime.clock),
            lock_seconds=runtime.settings.idempotency_lock_seconds,
            retention_seconds=runtime.settings.idempotency_retention_seconds,
        ),
    )
    if isinstance(claimed, idempotency.Replay):
        return claimed.status, claimed.body
    token = current_request.set(RequestInfo(request.state.request_id, key, claimed.created))
    try:
        async with transaction(request, phases=True) as tx:
            status, body = await work(tx)
            await idempotency.complete(tx.session, claimed, status, body)
    except BaseException:
        await idempotency.release(runtime.db, claimed)
        raise
    finally:
        current_request.reset(token)
    return status, body


async def once_in_turn(
    request: Request, scope: Scope, key: str, params: dict[str, Any], work: Work
) -> tuple[int, bytes]:
    """`once`, for a payment: a click made while another click's payment is with the processor waits for
    that outcome (asked again, no lock held meanwhile: the payment runs in atomic phases) and then answers
    as it does, until no processor call could still be running (`idempotency_lock_seconds`)."""
    deadline = time.monotonic() + runtime_of(request).settings.idempotency_lock_seconds
    pause = 0.05
    while True:
        try:
            return await once(request, scope, key, params, work)
        except AttemptInFlight:
            if time.monotonic() >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.5)
