"""Attempts whose request never finished (a crash between the phases of `payments.attempts`), resolved
through the processor's `status(key)`: by the retry of the same request, or by the recovery job.

The processor's answer to the key is applied as the request would have applied it (charge, ledger,
events); a key it never saw puts the intent back where the attempt began. Whoever resolves an attempt
locks its row and checks it is still `started` first, so of a retry and recovery jobs in several
processes, one writes the outcome and the others find it done.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from lynk.connectors import AuthorizeResult
from lynk.core import process
from lynk.core.db import end_phase
from lynk.core.scope import Scope
from lynk.models import ConnectorCall, PaymentIntent
from lynk.payment_methods import service as payment_methods
from lynk.payments import attempts, repository, risk, states
from lynk.payments.confirm import apply_authorization, card_ref
from lynk.payments.context import PaymentContext, complete_call, connector_call, request_key_base
from lynk.payments.errors import PaymentDeclined, ProcessorUnavailable
from lynk.payments.setup_intents import mandates

log = logging.getLogger(__name__)


async def resolve(ctx: PaymentContext, pi: PaymentIntent, call: ConnectorCall) -> bool:
    """Ask the processor what it did for the attempt's key and write that; True if it had answered (the
    outcome is written; a decline raises PaymentDeclined), False if it never saw the key (the intent is
    back where the attempt began) or another process resolved the attempt first."""
    await end_phase(ctx.session)  # no transaction open across the processor call
    result = await connector_call(ctx.connector.status, call.idempotency_key)
    if not isinstance(result, AuthorizeResult):
        await attempts.undo(ctx, pi, call)
        return False
    if not await attempts.finish(ctx, pi, call):
        return False
    complete_call(call, result, ctx.now)
    assert pi.payment_method_id is not None, "an attempt is made with the intent's payment method"
    method = await payment_methods.get(ctx.session, ctx.scope, pi.payment_method_id)
    card = await card_ref(ctx, method)
    assessment = risk.assess(card.bin, card.last4, (method.card or {}).get("fingerprint", ""))
    mandate = await mandates.active_for(ctx, method) if pi.off_session else None
    resume = call.resume or {}
    await apply_authorization(
        ctx,
        pi,
        method,
        card,
        assessment,
        result,
        mandate,
        authenticated=bool(resume.get("authenticated")),
        fail_on_action=bool(resume.get("fail_on_action")),
    )
    return True


async def take_over(ctx: PaymentContext, pi: PaymentIntent) -> bool:
    """The retry of a request that died between the phases (same Idempotency-Key): resolve the attempt it
    left. True when that settled the intent (the response is the intent as it is now); False when there
    was none to take over, or the processor never saw it and the confirmation runs again (the intent locked)."""
    call = await attempts.unfinished(ctx, pi)
    if call is None or not attempts.made_by_this_request(ctx, call):
        return False
    if await resolve(ctx, pi, call):
        return True
    await ctx.session.refresh(pi, with_for_update=True)
    return pi.status not in states.CONFIRMABLE  # resolved by another process meanwhile: its outcome stands


async def created_earlier(ctx: PaymentContext) -> PaymentIntent | None:
    """The intent an earlier run of this create-and-confirm request made and committed with its attempt."""
    base = request_key_base(ctx)
    call = await repository.attempt_of_request(ctx.session, base) if base is not None else None
    if call is None:
        return None
    return await repository.get_intent(ctx.session, ctx.scope, call.payment_intent_id, for_update=True)


async def recover_abandoned(ctx: PaymentContext, *, after_seconds: int, limit: int = 100) -> int:
    """The recovery job: resolve attempts left `started` by a process seen gone, or for `after_seconds`
    (a process elsewhere; no processor call takes that long). `ctx.scope` is ignored: each attempt is
    resolved in its intent's scope. Returns how many were resolved."""
    found = await repository.unfinished_attempts(ctx.session, limit=limit)
    due = [c for c in found if process.gone(c.owner) or c.created <= ctx.now - after_seconds]
    resolved = 0
    for call in due:
        pi = await repository.get_intent_by_id(ctx.session, call.payment_intent_id)
        if pi is None:
            continue
        scoped = replace(ctx, scope=Scope(pi.merchant_id, pi.livemode))
        try:
            await resolve(scoped, pi, call)
        except PaymentDeclined:
            pass  # a decline is an outcome: written, and committed below
        except ProcessorUnavailable:
            log.warning("attempt %s: the processor did not answer; trying again next pass", call.idempotency_key)
            await ctx.session.rollback()
            continue
        await end_phase(ctx.session)
        resolved += 1
    return resolved
