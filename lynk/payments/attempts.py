"""Atomic phases of a processor call: a card authorization, capture, increment, void or refund
(docs/architecture.md, "Recovery points").

1. `begin`: the attempt (its `connector_calls` row, with the processor's idempotency key) and the intent in
   `processing` are committed: a recovery point, and a state that refuses a concurrent confirm. A refund
   moves no intent (`record` alone): its attempt in flight holds its amount back from the charge.
2. The processor is called with no transaction open and no pooled connection held.
3. `finish` (`settle` for a refund): a second short transaction locks the attempt, checks nobody resolved
   it meanwhile, puts the intent back where it started and counts the attempt; the caller writes the
   outcome (charge, ledger, events) and the request wrapper stores the idempotent response in the same
   transaction.

A processor that did not answer (`undo`) leaves the intent where it started and the attempt `unknown`,
its key kept: the retry derives the same key and gets the processor's answer again. A request that died
between the phases leaves the attempt `started`: its retry with the same Idempotency-Key, or the recovery
job (`payments.recovery`), resolves it through the processor's `status(key)`.

Inside one `Database.transaction` (Lynk's own pages) `end_phase` commits nothing: the phases run in that
transaction, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lynk.connectors import AuthorizeResult, AuthorizeStatus, RefundRequest, VoidRequest
from lynk.core import process
from lynk.core.db import end_phase
from lynk.core.ids import random_token
from lynk.models import ConnectorCall, PaymentIntent, PaymentIntentStatus
from lynk.payments import repository, states
from lynk.payments.context import PaymentContext, connector_call, record_call, request_key_base
from lynk.payments.errors import ProcessorUnavailable

STARTED = "started"
UNKNOWN = "unknown"  # the processor did not answer: the intent went back, the key waits for the retry


async def begin(
    ctx: PaymentContext,
    pi: PaymentIntent,
    key: str,
    *,
    operation: str = "authorize",
    amount: int | None = None,
    authenticated: bool = False,
    fail_on_action: bool = False,
    details: Mapping[str, Any] | None = None,
) -> ConnectorCall:
    """Phase 1: commit the attempt (an authorization, a capture or void of `amount`…) and the intent in
    `processing`; returns the attempt's row. `details`: what else resolving it needs (a cancellation reason)."""
    resume = {"status": str(pi.status), "authenticated": authenticated, "fail_on_action": fail_on_action}
    states.attempting(pi)
    amount = pi.amount if amount is None else amount
    return await record(ctx, pi.id, key, operation, amount, {**resume, **(details or {})})


async def record(
    ctx: PaymentContext, payment_intent_id: str, key: str, operation: str, amount: int, resume: Mapping[str, Any]
) -> ConnectorCall:
    """Phase 1 itself: the attempt committed, `started`, under `key` (an earlier one under it that got no
    answer is made again), with its way back. `begin` for an intent, or alone for an attempt whose intent's
    state does not move (a refund: the in-flight attempt holds its amount back from the charge)."""
    call = await repository.find_call(ctx.session, key)  # an earlier attempt under this key that got no answer
    if call is None:
        call = await record_call(ctx, operation=operation, payment_intent_id=payment_intent_id, key=key, amount=amount)
    assert call.payment_intent_id == payment_intent_id and call.status in (STARTED, UNKNOWN), "a key names one attempt"
    call.status, call.result, call.completed, call.amount = STARTED, None, None, amount
    call.request_key, call.owner = request_key_base(ctx), process.identity()
    # `run`: this run of the attempt; a resolver that saw an earlier run leaves it alone.
    call.resume = {**resume, "run": random_token(12)}
    await ctx.session.flush()
    await end_phase(ctx.session)
    return call


async def _lock(ctx: PaymentContext, call: ConnectorCall, *rows: object) -> bool:
    """Start the next phase: the attempt locked; False if it was resolved meanwhile, or taken over and made
    again (by its request's retry) since `call` was read. `rows` (the intent, a charge) are read afresh, locked."""
    await ctx.session.flush()
    seen = (call.resume or {}).get("run")  # read before the lock refreshes `call`
    locked = await repository.lock_call(ctx.session, call.pk)
    for row in rows:
        await ctx.session.refresh(row, with_for_update=True)
    return locked is not None and locked.status == STARTED and (locked.resume or {}).get("run") == seen


def _restore(pi: PaymentIntent, call: ConnectorCall) -> None:
    pi.status = PaymentIntentStatus((call.resume or {})["status"])


async def finish(ctx: PaymentContext, pi: PaymentIntent, call: ConnectorCall) -> bool:
    """Phase 2 starts: the intent back where the attempt began (its transitions apply from there) and the
    attempt counted. False if another process resolved the attempt first (the intent shows its outcome)."""
    if not await _lock(ctx, call, pi):
        return False
    _restore(pi, call)
    if call.operation == "authorize":
        pi.attempts += 1  # the count processor keys of authorizations derive from
    return True


async def settle(ctx: PaymentContext, call: ConnectorCall, *rows: object) -> bool:
    """Phase 2 of an attempt that moved no intent (a refund): `finish` without putting an intent back."""
    return await _lock(ctx, call, *rows)


async def undo(ctx: PaymentContext, pi: PaymentIntent | None, call: ConnectorCall) -> None:
    """No answer, or the processor never saw the key: the intent (if the attempt moved one) back in the status
    it had before the attempt, the attempt `unknown`, committed. The next attempt asks under the same key."""
    if not await _lock(ctx, call, *([pi] if pi is not None else [])):
        return
    if pi is not None:
        _restore(pi, call)
    call.status, call.completed = UNKNOWN, ctx.now
    await ctx.session.flush()
    await end_phase(ctx.session)


async def release_lost(ctx: PaymentContext, pi: PaymentIntent, call: ConnectorCall) -> None:
    """An earlier attempt under this key got no answer and the retry asks something else (another card):
    void (or refund, if it was captured) what that attempt holds at the processor. Called with no
    transaction open; no answer undoes the attempt, as a processor that does not answer does."""
    key = call.idempotency_key
    try:
        lost = await connector_call(ctx.connector.status, key)
        if not isinstance(lost, AuthorizeResult):
            return
        if lost.status == AuthorizeStatus.AUTHORIZED:
            void = VoidRequest(idempotency_key=f"{key}:void", reference=lost.reference)
            await connector_call(ctx.connector.void, void)
        elif lost.status == AuthorizeStatus.CAPTURED:
            refund = RefundRequest(idempotency_key=f"{key}:refund", reference=lost.reference, amount=pi.amount)
            await connector_call(ctx.connector.refund, refund)
    except ProcessorUnavailable:
        await undo(ctx, pi, call)
        raise
