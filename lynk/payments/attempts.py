"""Atomic phases of a processor attempt (docs/architecture.md, "Recovery points"): a PaymentIntent's card
authorization, capture, increment, void, refund or bank debit, and a SetupIntent's verification.

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

`run` is the authorization stage the PaymentIntent and SetupIntent confirm flows share: phase 1, the call,
phase 2, and once more under the next key when the processor holds the key for another question.

Inside one `Database.transaction` `end_phase` commits nothing: the phases run in that transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from lynk.connectors import AuthorizeResult, AuthorizeStatus, DebitResult, RefundRequest, VoidRequest
from lynk.core import process
from lynk.core.db import end_phase
from lynk.core.ids import random_token
from lynk.models import ConnectorCall, PaymentIntent, PaymentIntentStatus, SetupIntent, SetupIntentStatus
from lynk.payments import repository, states
from lynk.payments.context import PaymentContext, complete_call, connector_call, record_call, request_key_base
from lynk.payments.errors import AttemptInFlight, ProcessorKeyConflict, ProcessorNotConfigured, ProcessorUnavailable
from lynk.payments.setup_intents import states as setup_states

Intent = PaymentIntent | SetupIntent
R = TypeVar("R", AuthorizeResult, DebitResult)

STARTED = "started"
UNKNOWN = "unknown"  # the processor did not answer: the intent went back, the key waits for the retry
# Each of these counts on its intent (`attempts`): their processor keys derive from that count.
COUNTED = ("authorize", "verify", "debit")


async def begin(
    ctx: PaymentContext,
    pi: Intent,
    key: str,
    *,
    operation: str = "authorize",
    amount: int | None = None,
    authenticated: bool = False,
    fail_on_action: bool = False,
    details: Mapping[str, Any] | None = None,
) -> ConnectorCall:
    """Phase 1: commit the attempt (an authorization, a verification, a debit, or a capture or void of
    `amount`) and the intent in `processing`; returns the attempt's row. `details`: what else resolving it
    needs to write the outcome as the request would have (a cancellation reason, a debit's mandate data)."""
    resume = {"status": str(pi.status), "authenticated": authenticated, "fail_on_action": fail_on_action}
    if isinstance(pi, SetupIntent):
        setup_states.attempting(pi)
    else:
        states.attempting(pi)
    amount = (pi.amount if isinstance(pi, PaymentIntent) else 0) if amount is None else amount
    return await record(ctx, pi.id, key, operation, amount, {**(details or {}), **resume})


async def record(
    ctx: PaymentContext, payment_intent_id: str, key: str, operation: str, amount: int, resume: Mapping[str, Any]
) -> ConnectorCall:
    """Phase 1 itself: the attempt committed, `started`, under `key` (an earlier one under it that got no
    answer is made again), with its way back. `begin` for an intent, or alone for an attempt whose intent's
    state does not move (a refund: the in-flight attempt holds its amount back from the charge)."""
    request_key, owner = request_key_base(ctx), process.identity()
    # `run`: this run of the attempt; a resolver that saw an earlier run leaves it alone.
    this_run = {**resume, "run": random_token(12)}
    # Inserted with all of it (no UPDATE after the INSERT), unless an earlier attempt is under this key; an intent
    # this request made has none.
    call = await record_call(
        ctx,
        operation=operation,
        payment_intent_id=payment_intent_id,
        key=key,
        amount=amount,
        request_key=request_key,
        owner=owner,
        resume=this_run,
        unless_keyed=payment_intent_id not in ctx.made_now,
    )
    if call is None:  # an earlier attempt under this key that got no answer: made again, started afresh by this run
        call = await repository.find_call(ctx.session, key)
        assert call is not None, "a key is never deleted"
        assert call.payment_intent_id == payment_intent_id and call.status in (STARTED, UNKNOWN), "a key, one attempt"
        call.status, call.result, call.completed, call.amount = STARTED, None, None, amount
        call.request_key, call.owner, call.resume = request_key, owner, this_run
        await ctx.session.flush()
    await end_phase(ctx.session)
    return call


async def run(
    ctx: PaymentContext,
    pi: Intent,
    operation: str,
    next_key: Callable[[], str],
    send: Callable[[str], Awaitable[R]],
    *,
    authenticated: bool = False,
    fail_on_action: bool = False,
    details: Mapping[str, Any] | None = None,
) -> tuple[ConnectorCall, R] | None:
    """An attempt in its phases: committed, sent with no transaction open, its answer locked in phase 2
    (the intent back where it started, the attempt counted and its answer logged); the caller writes the
    outcome. None when another process resolved it first (the intent shows its outcome).

    A key the processor holds for another question (a lost attempt, retried with another card): what that
    attempt holds is released and the question asked once more under the next key. A debit's cannot be
    released, so that conflict is answered as it is."""
    for _ in range(2):
        key = next_key()  # derived from the intent's count of finished attempts
        call = await begin(
            ctx,
            pi,
            key,
            operation=operation,
            authenticated=authenticated,
            fail_on_action=fail_on_action,
            details=details,
        )
        try:  # no transaction open from here until `finish`
            result = await send(key)
            break
        except ProcessorKeyConflict:
            if operation == "debit":
                await undo(ctx, pi, call)
                raise
            if operation == "authorize":  # a verification of 0 holds nothing
                await release_lost(ctx, pi, call)
            if not await finish(ctx, pi, call):
                return None
            call.status, call.completed = "superseded", ctx.now
        except (ProcessorUnavailable, ProcessorNotConfigured):  # no answer, or no processor takes it: back
            await undo(ctx, pi, call)
            raise
    else:
        raise ProcessorUnavailable()
    if not await finish(ctx, pi, call):
        return None
    complete_call(call, result, ctx.now)
    return call, result


async def check_not_in_flight(ctx: PaymentContext, pi: Intent) -> None:
    """Raise `AttemptInFlight` while an attempt on the intent is with the processor (its outcome is near):
    for a shopper's second click, which waits for it rather than be refused by the intent's state."""
    if str(pi.status) == "processing" and await repository.has_started_attempt(ctx.session, pi.id):
        raise AttemptInFlight()


async def _lock(ctx: PaymentContext, call: ConnectorCall, *rows: object) -> bool:
    """Start the next phase: the attempt locked; False if it was resolved meanwhile, or taken over and made
    again (by its request's retry) since `call` was read. `rows` (the intent, a charge) are read afresh, locked."""
    await ctx.session.flush()
    for relock in ctx.relock:  # the caller's rows first, in its lock order
        await relock()
    seen = (call.resume or {}).get("run")  # read before the lock refreshes `call`
    # The usual case, one row (the intent, or a refund's charge): locked and refreshed with the call, one round trip.
    locked = await repository.lock_call_with(ctx.session, call.pk, rows[0]) if len(rows) == 1 else None
    if locked is None:  # no row or several (or the join found none): one read each, as before
        locked = await repository.lock_call(ctx.session, call.pk)
        for row in rows:
            await ctx.session.refresh(row, with_for_update=True)
    return locked is not None and locked.status == STARTED and (locked.resume or {}).get("run") == seen


def _restore(pi: Intent, call: ConnectorCall) -> None:
    status = (call.resume or {})["status"]
    if isinstance(pi, SetupIntent):
        pi.status = SetupIntentStatus(status)
    else:
        pi.status = PaymentIntentStatus(status)


async def finish(ctx: PaymentContext, pi: Intent, call: ConnectorCall) -> bool:
    """Phase 2 starts: the intent back where the attempt began (its transitions apply from there) and the
    attempt counted. False if another process resolved the attempt first (the intent shows its outcome)."""
    if not await _lock(ctx, call, pi):
        return False
    _restore(pi, call)
    if call.operation in COUNTED:
        pi.attempts += 1  # the count processor keys of authorizations derive from
    return True


async def settle(ctx: PaymentContext, call: ConnectorCall, *rows: object) -> bool:
    """Phase 2 of an attempt that moved no intent (a refund): `finish` without putting an intent back."""
    return await _lock(ctx, call, *rows)


async def undo(ctx: PaymentContext, pi: Intent | None, call: ConnectorCall) -> None:
    """No answer, or the processor never saw the key: the intent (if the attempt moved one) back in the status
    it had before the attempt, the attempt `unknown`, committed. The next attempt asks under the same key."""
    if not await _lock(ctx, call, *([pi] if pi is not None else [])):
        return
    if pi is not None:
        _restore(pi, call)
    call.status, call.completed = UNKNOWN, ctx.now
    await ctx.session.flush()
    await end_phase(ctx.session)


async def release_lost(ctx: PaymentContext, pi: Intent, call: ConnectorCall) -> None:
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
            refund = RefundRequest(idempotency_key=f"{key}:refund", reference=lost.reference, amount=call.amount)
            await connector_call(ctx.connector.refund, refund)
    except ProcessorUnavailable:
        await undo(ctx, pi, call)
        raise
