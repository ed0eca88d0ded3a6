"""Incrementing a PaymentIntent's authorization (`POST /v1/payment_intents/{id}/increment_authorization`).

As a capture does (`payments.capturing`), in atomic phases: the attempt is committed with the intent in
`processing` (a concurrent capture, cancel or increment is refused by state), the processor is called with
no transaction open, and its answer is written in a second transaction. At most ten increments may be
attempted per intent, declines included, as at Stripe. Only an authorization confirmed with
`payment_method_options[card][request_incremental_authorization]=if_available`, on a card and processor that
support it, may be incremented: its charge shows `incremental_authorization.status=available`.

A decline leaves the intent and its charge as they were (still capturable for what was authorized). The
ledger books captures only, so an increment moves no money there: the capture books the new total.
"""

from __future__ import annotations

from dataclasses import dataclass

from lynk.connectors import NOT_INCREMENTABLE, IncrementRequest, OperationResult
from lynk.core.db import end_phase
from lynk.core.errors import InvalidRequestError, LynkError
from lynk.core.ids import random_token
from lynk.core.metadata import MetadataUpdate
from lynk.events import service as events
from lynk.models import Charge, ConnectorCall, PaymentIntent
from lynk.payments import attempts, repository, states
from lynk.payments.context import PaymentContext, complete_call, connector_call, refused, request_key_base
from lynk.payments.errors import PaymentDeclined
from lynk.payments.objects import payment_intent_object

# Stripe allows at most 10 increment attempts per PaymentIntent, declines included.
MAX_INCREMENT_ATTEMPTS = 10
NOT_AVAILABLE_MESSAGE = (
    "This PaymentIntent is not eligible for incremental authorization: confirm it with "
    "payment_method_options[card][request_incremental_authorization]=if_available and a card that supports it."
)


@dataclass(frozen=True)
class IncrementExtras:
    """What an increment may also set on the intent (and its charge's statement descriptor)."""

    description: str | None = None
    metadata: MetadataUpdate | None = None
    statement_descriptor: str | None = None


def incrementable(charge: Charge) -> bool:
    card = charge.payment_method_details.get("card") or {}
    return (card.get("incremental_authorization") or {}).get("status") == "available" and not charge.captured


async def increment(ctx: PaymentContext, pi: PaymentIntent, amount: int, extras: IncrementExtras) -> PaymentIntent:
    states.check_incrementable(pi)
    charge = await _latest_charge(ctx, pi)
    if not incrementable(charge):
        raise InvalidRequestError(NOT_AVAILABLE_MESSAGE, code=NOT_INCREMENTABLE)
    if amount <= pi.amount:
        raise InvalidRequestError(
            f"The new amount must be greater than the PaymentIntent's current amount ({pi.amount}).",
            param="amount",
            code="amount_too_small",
        )
    # A retry of this request (same Idempotency-Key) asks the processor the same question.
    key = f"{pi.id}:increment:{request_key_base(ctx) or random_token(16)}"
    used = await repository.answered_attempts(ctx.session, pi.id, "increment")
    # (a retry of an answered attempt, under its key, is not a new attempt)
    if used >= MAX_INCREMENT_ATTEMPTS and await repository.find_call(ctx.session, key) is None:
        raise InvalidRequestError(
            f"This PaymentIntent has reached the maximum of {MAX_INCREMENT_ATTEMPTS} incremental "
            "authorization attempts (declines included); capture it, or cancel it and confirm a new one.",
            code=NOT_INCREMENTABLE,
        )
    call = await attempts.begin(ctx, pi, key, operation="increment", amount=amount)
    request = IncrementRequest(idempotency_key=key, reference=pi.authorized_reference or "", amount=amount)
    try:  # no transaction open from here until `apply`
        result = await connector_call(ctx.connector.increment_authorization, request)
    except LynkError:  # no answer: the intent goes back as it was, the key kept for the retry
        await attempts.undo(ctx, pi, call)
        raise
    await apply(ctx, pi, call, result, extras)
    return pi


async def apply(
    ctx: PaymentContext, pi: PaymentIntent, call: ConnectorCall, result: OperationResult, extras: IncrementExtras
) -> None:
    """Phase 2: the processor's answer to the increment `call` written (also for one a dead request left)."""
    if not await attempts.finish(ctx, pi, call):
        return  # resolved by another process first, from the same answer
    complete_call(call, result, ctx.now)
    if not result.succeeded:  # the intent stays as it was; the attempt is kept with its answer
        await ctx.session.flush()
        await end_phase(ctx.session)
        raise _refusal(result)
    charge = await _latest_charge(ctx, pi)
    pi.amount = pi.amount_capturable = charge.amount = call.amount
    if extras.description is not None:
        pi.description = extras.description
    if extras.metadata is not None:
        pi.metadata_ = extras.metadata.apply(pi.metadata_)
    if extras.statement_descriptor is not None:
        pi.statement_descriptor = charge.statement_descriptor = extras.statement_descriptor
    await ctx.session.flush()
    await events.record(
        ctx.session, ctx.scope, "payment_intent.amount_capturable_updated", payment_intent_object(pi), now=ctx.now
    )


def _refusal(result: OperationResult) -> LynkError:
    if result.code == "card_declined":
        return PaymentDeclined(
            result.message or "Your card was declined.", code="card_declined", decline_code="generic_decline"
        )
    if result.code == NOT_INCREMENTABLE:
        return InvalidRequestError(NOT_AVAILABLE_MESSAGE, code=NOT_INCREMENTABLE)
    return refused("increment_authorization", result)


async def _latest_charge(ctx: PaymentContext, pi: PaymentIntent) -> Charge:
    charge = await repository.get_charge(ctx.session, ctx.scope, pi.latest_charge_id or "", for_update=True)
    assert charge is not None, "an authorized PaymentIntent has its charge"
    return charge
