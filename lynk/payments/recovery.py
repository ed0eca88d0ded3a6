"""Attempts (authorizations, captures, increments, voids, refunds, bank debits, SetupIntent verifications)
whose request never finished (a crash between the phases of `payments.attempts`), resolved through the
processor's `status(key)`: by the retry of the same request, or by the recovery job.

The processor's answer to the key is applied as the request would have applied it (charge, ledger,
events); a key it never saw puts the intent back where the attempt began. Whoever resolves an attempt
locks its row and checks it is still `started` first, so of a retry and recovery jobs in several
processes, one writes the outcome and the others find it done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import replace
from typing import TypeVar

from lynk.connectors import AuthorizeResult, DebitResult, OperationResult
from lynk.core import process
from lynk.core.db import end_phase
from lynk.core.errors import LynkError
from lynk.core.scope import Scope
from lynk.models import ConnectorCall, PaymentIntent, Refund, SetupIntent
from lynk.payment_methods import service as payment_methods
from lynk.payments import attempts, bank_debits, capturing, incrementing, refunds, repository, risk, voiding
from lynk.payments.attempts import Intent
from lynk.payments.capturing import CaptureExtras
from lynk.payments.confirm import apply_authorization
from lynk.payments.context import PaymentContext, complete_call, connector_call, retried_request_key
from lynk.payments.incrementing import IncrementExtras
from lynk.payments.setup_intents import mandates
from lynk.payments.setup_intents import repository as setup_repository
from lynk.payments.setup_intents.confirm import resume_verification
from lynk.payments.stages import card_ref

log = logging.getLogger(__name__)
T = TypeVar("T", PaymentIntent, SetupIntent)


async def resolve(ctx: PaymentContext, pi: Intent, call: ConnectorCall, extras: CaptureExtras | None = None) -> bool:
    """Ask the processor what it did for the attempt's key and write that; True if it had answered (the
    outcome is written; a decline raises), False if it never saw the key (the intent is back where the
    attempt began) or another process resolved the attempt first. A capture's `extras` (metadata,
    statement descriptors) come from its retry; the recovery job has none to apply."""
    await end_phase(ctx.session)  # no transaction open across the processor call
    result = await connector_call(ctx.connector.status, call.idempotency_key)
    expected = {"debit": DebitResult, "authorize": AuthorizeResult, "verify": AuthorizeResult}
    if not isinstance(result, expected.get(call.operation, OperationResult)):
        await attempts.undo(ctx, None if call.operation == "refund" else pi, call)
        return False
    if isinstance(result, OperationResult):  # a capture, increment, void or refund: its own phase 2 decides
        if call.operation == "refund":  # the intent's state never moved
            await refunds.apply(ctx, call, result)
            return True
        assert isinstance(pi, PaymentIntent), "captures, increments and voids are a PaymentIntent's"
        if call.operation == "capture":
            await capturing.apply(ctx, pi, call, result, extras or CaptureExtras())
        elif call.operation == "increment":
            await incrementing.apply(ctx, pi, call, result, IncrementExtras())
        else:
            await voiding.apply(ctx, pi, call, result)
        return True
    if not await attempts.finish(ctx, pi, call):
        return False
    resume = call.resume or {}
    authenticated, fail_on_action = bool(resume.get("authenticated")), bool(resume.get("fail_on_action"))
    if isinstance(pi, SetupIntent):
        assert isinstance(result, AuthorizeResult)
        complete_call(call, result, ctx.now)
        await resume_verification(ctx, pi, result, authenticated=authenticated)
    elif isinstance(result, DebitResult):
        complete_call(call, result, ctx.now)
        await bank_debits.apply(ctx, pi, call, result)
    elif result is not None:
        await apply_answer(ctx, pi, call, result, authenticated=authenticated, fail_on_action=fail_on_action)
    return True


async def apply_answer(
    ctx: PaymentContext,
    pi: PaymentIntent,
    call: ConnectorCall,
    result: AuthorizeResult,
    *,
    authenticated: bool,
    fail_on_action: bool,
) -> None:
    """Write a processor's answer to an attempt that was made earlier (a recovered attempt, or one whose
    3-D Secure the shopper completed at the processor): charge, ledger, events; a decline raises."""
    complete_call(call, result, ctx.now)
    assert pi.payment_method_id is not None, "an attempt is made with the intent's payment method"
    method = await payment_methods.get(ctx.session, ctx.scope, pi.payment_method_id)
    card = await card_ref(ctx, method)
    # The score again from what the payment knows now (the first run's was not kept): it goes on the charge.
    assessment = await risk.assess(ctx, pi, method, card, publishable=False)
    mandate = await mandates.active_for(ctx, method) if pi.off_session else None
    await apply_authorization(
        ctx, pi, method, card, assessment, result, mandate, authenticated=authenticated, fail_on_action=fail_on_action
    )


async def take_over(ctx: PaymentContext, pi: Intent, extras: CaptureExtras | None = None) -> bool:
    """The retry of a request whose earlier run died between the phases (same Idempotency-Key): True when
    that run's attempt settles the intent, resolved now or by the recovery job since (the response is then
    the intent as it is); False when there is none, or it was undone (the request runs again, the intent
    locked)."""
    base = retried_request_key(ctx)
    call = await repository.attempt_of_request(ctx.session, base, pi.id) if base is not None else None
    if call is None or call.status == attempts.UNKNOWN:
        return False
    if call.status != attempts.STARTED or await resolve(ctx, pi, call, extras):
        return True
    await ctx.session.refresh(pi, with_for_update=True)
    return (await repository.lock_call(ctx.session, call.pk)) is not None and call.status != attempts.UNKNOWN


async def take_over_refund(ctx: PaymentContext) -> Refund | None:
    """The retry of a refund request whose earlier run died between the phases (same Idempotency-Key): the
    refund that run's attempt made, resolved now or by the recovery job since; None when there is none yet
    (no attempt, or one the processor never saw: the request runs again, under the same key)."""
    base = retried_request_key(ctx)
    call = await repository.attempt_of_request(ctx.session, base) if base is not None else None
    if call is None or call.operation != "refund" or call.status == attempts.UNKNOWN:
        return None
    if call.status == attempts.STARTED:
        pi = await repository.get_intent(ctx.session, ctx.scope, call.payment_intent_id)
        assert pi is not None, "a refund attempt names its charge's intent"
        await resolve(ctx, pi, call)
    return await refunds.of_attempt(ctx, call)


async def created_earlier(ctx: PaymentContext) -> Intent | None:
    """The intent (PaymentIntent or SetupIntent) an earlier run of this create-and-confirm request made and
    committed with its attempt."""
    base = retried_request_key(ctx)
    call = await repository.attempt_of_request(ctx.session, base) if base is not None else None
    if call is None:
        return None
    if call.payment_intent_id.startswith("seti_"):
        return await setup_repository.get_intent(ctx.session, ctx.scope, call.payment_intent_id, for_update=True)
    return await repository.get_intent(ctx.session, ctx.scope, call.payment_intent_id, for_update=True)


async def earlier_run(
    ctx: PaymentContext, kind: type[T], confirm: Callable[[T], Awaitable[object]], confirmable: Collection[str]
) -> T | None:
    """A create-and-confirm request that ran before and committed its intent with an attempt goes on with that
    intent: its attempt settled (now, or by the recovery job since), else the intent confirmed again. None
    on a first run."""
    earlier = await created_earlier(ctx)
    if earlier is None:
        return None
    assert isinstance(earlier, kind), "a request's attempts are on the intent it created"
    ctx.created_here.add(earlier.id)
    if not await take_over(ctx, earlier) and earlier.status in confirmable:
        await confirm(earlier)
    return earlier


async def recover_abandoned(ctx: PaymentContext, *, after_seconds: int, limit: int = 100) -> int:
    """The recovery job: resolve attempts left `started` by a process seen gone, or for `after_seconds`
    (a process elsewhere; no processor call takes that long). `ctx.scope` is ignored: each attempt is
    resolved in its intent's scope. Returns how many were resolved."""
    found = await repository.unfinished_attempts(ctx.session, limit=limit)
    due = [c for c in found if process.gone(c.owner) or c.created <= ctx.now - after_seconds]
    resolved = 0
    for call in due:
        pi: Intent | None
        if call.payment_intent_id.startswith("seti_"):
            pi = await setup_repository.get_intent_by_id(ctx.session, call.payment_intent_id)
        else:
            pi = await repository.get_intent_by_id(ctx.session, call.payment_intent_id)
        if pi is None:
            continue
        scoped = replace(ctx, scope=Scope(pi.merchant_id, pi.livemode))
        try:
            await resolve(scoped, pi, call)
        except LynkError as error:
            if not error.keep_changes:  # no answer, or a disagreement: logged, tried again next pass
                log.warning("attempt %s not resolved: %s", call.idempotency_key, error)
                await ctx.session.rollback()
                continue
            # else a decline: an outcome, written, and committed below
        await end_phase(ctx.session)
        resolved += 1
    return resolved
