"""Capturing a PaymentIntent's authorization in atomic phases (`payments.attempts`): the capture is
committed with the intent in `processing` (a concurrent capture or cancel is refused by state), the
processor is called with no transaction open, and the capture is written in a second transaction.
Its processor key is fixed (`{pi}:capture`): a retry, or the recovery job, asks the same question."""

from __future__ import annotations

from dataclasses import dataclass

from lynk.connectors import CaptureRequest, OperationResult
from lynk.core.errors import InvalidRequestError, LynkError
from lynk.core.metadata import MetadataUpdate
from lynk.events import service as events
from lynk.models import Charge, ConnectorCall, PaymentIntent, PaymentIntentStatus
from lynk.payments import aftermath, attempts, booking, repository, states
from lynk.payments.context import PaymentContext, complete_call, connector_call, refused
from lynk.payments.objects import charge_object, payment_intent_object


@dataclass(frozen=True)
class CaptureExtras:
    """What a capture may also set: the intent's metadata, the charge's statement descriptors."""

    metadata: MetadataUpdate | None = None
    statement_descriptor: str | None = None
    statement_descriptor_suffix: str | None = None


async def capture(
    ctx: PaymentContext, pi: PaymentIntent, amount_to_capture: int | None, extras: CaptureExtras | None = None
) -> PaymentIntent:
    amount = pi.amount_capturable if amount_to_capture is None else amount_to_capture
    if pi.status == PaymentIntentStatus.REQUIRES_CAPTURE and not 0 < amount <= pi.amount_capturable:
        raise InvalidRequestError(
            f"The amount to capture must be between 1 and the capturable amount ({pi.amount_capturable}).",
            param="amount_to_capture",
            code="amount_too_large",
        )
    states.check_capturable(pi)
    key = f"{pi.id}:capture"
    call = await attempts.begin(ctx, pi, key, operation="capture", amount=amount)
    request = CaptureRequest(idempotency_key=key, reference=pi.authorized_reference or "", amount=amount)
    try:  # no transaction open from here until `apply`
        result = await connector_call(ctx.connector.capture, request)
    except LynkError:  # no answer, or the key held for another capture: the intent goes back, the key kept
        await attempts.undo(ctx, pi, call)
        raise
    await apply(ctx, pi, call, result, extras or CaptureExtras())
    return pi


async def apply(
    ctx: PaymentContext, pi: PaymentIntent, call: ConnectorCall, result: OperationResult, extras: CaptureExtras
) -> None:
    """Phase 2: the processor's answer to the capture `call` written (also for one a dead request left)."""
    if not result.succeeded:  # Lynk found the capture valid: a refusal is a disagreement, never stored as the answer
        await attempts.undo(ctx, pi, call)
        raise refused("capture", result)
    if not await attempts.finish(ctx, pi, call):
        return  # resolved by another process first, from the same answer
    complete_call(call, result, ctx.now)
    amount = call.amount
    states.captured(pi, amount)
    charge = await _latest_charge(ctx, pi)
    charge.amount_captured, charge.captured = amount, True
    if extras.metadata is not None:
        pi.metadata_ = extras.metadata.apply(pi.metadata_)
    for name in ("statement_descriptor", "statement_descriptor_suffix"):
        if getattr(extras, name) is not None:
            setattr(pi, name, getattr(extras, name))
            setattr(charge, name, getattr(extras, name))
    await booking.book_capture(ctx, charge, amount)
    await ctx.session.flush()
    await events.record(ctx.session, ctx.scope, "charge.captured", charge_object(charge), now=ctx.now)
    await events.record(ctx.session, ctx.scope, "payment_intent.succeeded", payment_intent_object(pi), now=ctx.now)
    await aftermath.after_capture(ctx, charge)


async def _latest_charge(ctx: PaymentContext, pi: PaymentIntent) -> Charge:
    charge = await repository.get_charge(ctx.session, ctx.scope, pi.latest_charge_id or "", for_update=True)
    assert charge is not None, "an authorized PaymentIntent has its charge"
    return charge
