"""Canceling a PaymentIntent (`POST /v1/payment_intents/{id}/cancel`, the expiry of authorizations).

An intent holding an authorization has it voided at the processor in atomic phases (`payments.attempts`),
as a capture is: the void is committed with the intent in `processing` (a concurrent capture, increment or
cancel is refused by state), the processor is called with no transaction open, and the cancellation is
written in a second transaction. Its processor key is fixed (`{pi}:void`): a retry, or the recovery job,
asks the same question. An intent with nothing authorized is canceled in one step.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from lynk.connectors import OperationResult, VoidRequest
from lynk.core.db import end_phase
from lynk.core.errors import LynkError
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import ConnectorCall, PaymentIntent, PaymentIntentStatus
from lynk.payments import attempts, repository, states
from lynk.payments.context import PaymentContext, complete_call, connector_call
from lynk.payments.objects import payment_intent_object

log = logging.getLogger(__name__)

AUTHORIZATION_LIFETIME_SECONDS = 7 * 24 * 3600


async def cancel(ctx: PaymentContext, pi: PaymentIntent, reason: str | None) -> PaymentIntent:
    if pi.status != PaymentIntentStatus.REQUIRES_CAPTURE or not pi.authorized_reference:
        states.canceled(pi, reason, ctx.now)  # refused by state unless cancelable
        await _canceled(ctx, pi)
        return pi
    key = f"{pi.id}:void"
    call = await attempts.begin(ctx, pi, key, operation="void", details={"reason": reason})
    request = VoidRequest(idempotency_key=key, reference=pi.authorized_reference)
    try:  # no transaction open from here until `apply`
        result = await connector_call(ctx.connector.void, request)
    except LynkError:  # no answer: the intent goes back to requires_capture, the key kept for the retry
        await attempts.undo(ctx, pi, call)
        raise
    await apply(ctx, pi, call, result)
    return pi


async def apply(ctx: PaymentContext, pi: PaymentIntent, call: ConnectorCall, result: OperationResult) -> None:
    """Phase 2: the void `call` answered (also one a dead request left): the intent is canceled. A refused
    void cancels it too, as it always has: the authorization lapses at the processor on its own."""
    if not await attempts.finish(ctx, pi, call):
        return  # resolved by another process first, from the same answer
    complete_call(call, result, ctx.now)
    states.canceled(pi, (call.resume or {}).get("reason"), ctx.now)
    await _canceled(ctx, pi)


async def _canceled(ctx: PaymentContext, pi: PaymentIntent) -> None:
    await ctx.session.flush()
    await events.record(ctx.session, ctx.scope, "payment_intent.canceled", payment_intent_object(pi), now=ctx.now)


async def expire_authorizations(
    ctx: PaymentContext, *, limit: int = 200, customer_ids: Sequence[str] | None = None
) -> int:
    """Cancel authorizations left uncaptured for 7 days (`cancellation_reason: automatic`), as Stripe does.

    `ctx.scope` is ignored: the job runs across merchants, each PaymentIntent in its own scope. Each void runs
    in its own phases (in a `Database.phases` session): the intent is read again, locked, before it is
    canceled, and one whose processor does not answer is left for the next pass."""
    stale = await repository.authorizations_older_than(
        ctx.session, ctx.now - AUTHORIZATION_LIFETIME_SECONDS, limit=limit, customer_ids=customer_ids
    )
    expired = 0
    for pi in stale:
        await ctx.session.refresh(pi, with_for_update=True)  # captured or canceled since the list was read?
        if pi.status != PaymentIntentStatus.REQUIRES_CAPTURE:
            await end_phase(ctx.session)  # not held while the next one is waited for
            continue
        try:
            await cancel(replace(ctx, scope=Scope(pi.merchant_id, pi.livemode)), pi, "automatic")
        except LynkError as error:
            log.warning("authorization %s not voided: %s", pi.id, error)
            continue
        await end_phase(ctx.session)
        expired += 1
    return expired
