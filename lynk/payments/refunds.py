"""Refunds: give back all or part of what a charge captured, never more.

In atomic phases (`payments.attempts`): the charge row is locked while a refund is decided and its attempt
committed, `started`, with its amount; the processor is called with no transaction open; the refund is
written in a second transaction. An attempt in flight holds its amount back from the charge, so concurrent
refunds can't together exceed what was captured, with no lock held over the network. The connector key is
derived from the request's Idempotency-Key (or, without one, from the count of the charge's refund attempts
that got an answer), so a retried request after a crash asks the processor the same question again, even
when another refund of the charge committed meanwhile; the retry, or the recovery job, then writes the
refund the first run would have (`payments.recovery`).
"""

from __future__ import annotations

from lynk.connectors import OperationResult, RefundRequest
from lynk.core.errors import InvalidRequestError, LynkError
from lynk.core.ids import new_id
from lynk.core.metadata import MetadataUpdate
from lynk.core.money import currency as currency_of
from lynk.core.pagination import Page, PageRequest
from lynk.disputes import service as disputes
from lynk.events import service as events
from lynk.ledger import service as ledger
from lynk.models import Charge, ChargeStatus, ConnectorCall, PaymentIntentStatus, Refund, RefundStatus
from lynk.payments import attempts, refund_states, repository
from lynk.payments.context import PaymentContext, complete_call, connector_call, refused, request_key_base
from lynk.payments.errors import ChargeNotFound, PaymentIntentNotFound, RefundNotFound
from lynk.payments.objects import charge_object, refund_object
from lynk.radar import reviews
from lynk.radar import service as radar


async def _charge_to_refund(ctx: PaymentContext, charge_id: str | None, payment_intent_id: str | None) -> Charge:
    if charge_id is None and payment_intent_id is None:
        raise InvalidRequestError(
            "One of charge or payment_intent is required to create a refund.", param="charge", code="parameter_missing"
        )
    if charge_id is None:
        assert payment_intent_id is not None
        pi = await repository.get_intent(ctx.session, ctx.scope, payment_intent_id)
        if pi is None:
            raise PaymentIntentNotFound(payment_intent_id, param="payment_intent")
        if pi.status != PaymentIntentStatus.SUCCEEDED or pi.latest_charge_id is None:
            raise InvalidRequestError(
                f"This PaymentIntent ({pi.id}) does not have a successful charge to refund.",
                param="payment_intent",
                code="charge_not_refundable",
            )
        charge_id = pi.latest_charge_id
    charge = await repository.get_charge(ctx.session, ctx.scope, charge_id, for_update=True)
    if charge is None:
        raise ChargeNotFound(charge_id, param="charge")
    if payment_intent_id is not None and charge.payment_intent_id != payment_intent_id:
        raise InvalidRequestError("The charge does not belong to this PaymentIntent.", param="charge")
    return charge


async def create(
    ctx: PaymentContext,
    *,
    charge_id: str | None,
    payment_intent_id: str | None,
    amount: int | None,
    reason: str | None,
    metadata: MetadataUpdate | None,
) -> Refund:
    charge = await _charge_to_refund(ctx, charge_id, payment_intent_id)
    if charge.status != ChargeStatus.SUCCEEDED or not charge.captured:
        raise InvalidRequestError(
            f"Charge {charge.id} has not been captured, so there is nothing to refund.", code="charge_not_refundable"
        )
    if charge.disputed and not await disputes.charge_refundable(ctx.session, ctx.scope, charge.id):
        raise InvalidRequestError(
            f"Charge {charge.id} has been charged back; the disputed funds are already withdrawn. Respond to "
            "the dispute instead of refunding.",
            code="charge_disputed",
        )
    calls = await repository.refund_calls(ctx.session, charge.payment_intent_id)
    in_flight = sum(amount for status, amount in calls if status == attempts.STARTED)  # held back until answered
    remaining = charge.amount_captured - charge.amount_refunded - in_flight
    if remaining <= 0:
        pending = " (a refund of the rest is at the processor)" if in_flight else ""
        raise InvalidRequestError(
            f"Charge {charge.id} has already been refunded{pending}.", code="charge_already_refunded"
        )
    amount = remaining if amount is None else amount
    if amount > remaining:
        money = currency_of(charge.currency)
        raise InvalidRequestError(
            f"Refund amount ({money.format(amount)} {money.code}) is greater than the unrefunded amount on the "
            f"charge ({money.format(remaining)} {money.code}).",
            param="amount",
            code="amount_too_large",
        )
    # One refund per request: its retry after a crash asks the processor again under the same key.
    base = request_key_base(ctx)
    # Without a key, the attempts that got an answer or are under way count: one left `unknown` is asked again.
    key = f"{base}:refund" if base else f"{charge.id}:refund:{sum(s != attempts.UNKNOWN for s, _ in calls) + 1}"
    details = {
        "charge": charge.id,
        "refund": new_id("re"),  # named now, so the retry finds the refund whoever wrote it
        "reason": reason,
        "metadata": (metadata or MetadataUpdate()).apply({}),
    }
    call = await attempts.record(ctx, charge.payment_intent_id, key, "refund", amount, details)
    request = RefundRequest(idempotency_key=key, reference=charge.connector_reference or "", amount=amount)
    try:  # no transaction open from here until `apply`
        result = await connector_call(ctx.connector.refund, request)
    except LynkError:  # no answer: nothing refunded in Lynk, the key kept for the retry
        await attempts.undo(ctx, None, call)
        raise
    refund = await apply(ctx, call, result) or await of_attempt(ctx, call)
    assert refund is not None, "an attempt resolved by another process wrote its refund"
    return refund


async def apply(ctx: PaymentContext, call: ConnectorCall, result: OperationResult) -> Refund | None:
    """Phase 2: the processor's answer to the refund `call` written (also for one a dead request left): the
    refund, succeeded or failed, and for a success the charge's refunded amount, the ledger and events. None
    if another process wrote it first."""
    if not result.succeeded and result.code == "resource_missing":
        await attempts.undo(ctx, None, call)
        raise refused("refund", result)  # the processor does not know the charge Lynk holds: no failed refund stored
    resume = call.resume or {}
    charge = await repository.get_charge(ctx.session, ctx.scope, resume["charge"])
    assert charge is not None, "a refund attempt names its charge"
    if not await attempts.settle(ctx, call, charge):
        return None
    complete_call(call, result, ctx.now)
    amount, reason = call.amount, resume.get("reason")
    refund = Refund(
        id=resume["refund"],
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        metadata_=resume.get("metadata") or {},
        charge_id=charge.id,
        payment_intent_id=charge.payment_intent_id,
        amount=amount,
        currency=charge.currency,
        status=RefundStatus.SUCCEEDED if result.succeeded else RefundStatus.FAILED,
        reason=reason,
        failure_reason=None if result.succeeded else (result.code or "unknown"),
        balance_transaction_id=None,
        connector_reference=result.reference,
    )
    await repository.add(ctx.session, refund)
    if result.succeeded:
        charge.amount_refunded += amount
        txn = await ledger.post_refund(
            ctx.session,
            ctx.scope,
            refund_id=refund.id,
            charge_id=charge.id,
            amount=amount,
            currency=charge.currency,
            now=ctx.now,
        )
        refund.balance_transaction_id = txn.id
    await ctx.session.flush()
    await events.record(ctx.session, ctx.scope, "refund.created", refund_object(refund), now=ctx.now)
    if result.succeeded:
        await events.record(ctx.session, ctx.scope, "charge.refunded", charge_object(charge), now=ctx.now)
        as_fraud = reason == "fraudulent"
        if as_fraud:  # the merchant says the card was stolen: the network remembers it
            await radar.report_fraud(ctx.session, charge.id, "refunded_as_fraud")
        closed = "refunded_as_fraud" if as_fraud else "refunded"
        await reviews.close_for_charge(ctx.session, ctx.scope, charge.id, closed, now=ctx.now)
    return refund


async def of_attempt(ctx: PaymentContext, call: ConnectorCall) -> Refund | None:
    """The refund a refund attempt wrote, once its answer is in."""
    return await repository.get_refund(ctx.session, ctx.scope, (call.resume or {}).get("refund", ""))


async def failed_at_processor(ctx: PaymentContext, refund: Refund, reason: str) -> bool:
    """Apply a refund's failure the processor reported; whether it changed anything (a refund already
    failed, or canceled, is left alone: a redelivered notice changes nothing)."""
    if not refund_states.can_fail(refund):
        return False
    charge = await repository.get_charge(ctx.session, ctx.scope, refund.charge_id, for_update=True)
    if charge is None:
        return False
    before = refund_object(refund)
    refund_states.failed(refund, reason)
    charge.amount_refunded = max(0, charge.amount_refunded - refund.amount)
    if refund.balance_transaction_id is not None:  # booked: the money comes back to the merchant
        txn = await ledger.post_refund_failure(ctx.session, ctx.scope, refund_id=refund.id, now=ctx.now)
        refund.failure_balance_transaction_id = txn.id
    await ctx.session.flush()
    after = refund_object(refund)
    previous = events.previous_attributes(before, after)
    for kind in ("charge.refund.updated", "refund.updated"):
        await events.record(ctx.session, ctx.scope, kind, after, now=ctx.now, previous=previous)
    await events.record(ctx.session, ctx.scope, "refund.failed", after, now=ctx.now)
    return True


async def get(ctx: PaymentContext, refund_id: str, *, for_update: bool = False) -> Refund:
    refund = await repository.get_refund(ctx.session, ctx.scope, refund_id, for_update=for_update)
    if refund is None:
        raise RefundNotFound(refund_id)
    return refund


async def update(ctx: PaymentContext, refund_id: str, metadata: MetadataUpdate | None) -> Refund:
    refund = await get(ctx, refund_id, for_update=True)
    if metadata is not None:
        before = refund_object(refund)
        refund.metadata_ = metadata.apply(refund.metadata_)
        await ctx.session.flush()
        after = refund_object(refund)
        previous = events.previous_attributes(before, after)
        if previous:
            await events.record(ctx.session, ctx.scope, "refund.updated", after, now=ctx.now, previous=previous)
    return refund


async def cancel(ctx: PaymentContext, refund_id: str) -> Refund:
    """Only a pending refund can be canceled (card refunds settle at once, so never theirs)."""
    refund = await get(ctx, refund_id, for_update=True)
    if refund.status != RefundStatus.PENDING:
        raise InvalidRequestError(
            f"Refund {refund.id} cannot be canceled because it has a status of {refund.status}. "
            "Only pending refunds can be canceled.",
            code="refund_not_cancelable",
        )
    refund.status = RefundStatus.CANCELED
    await ctx.session.flush()
    await events.record(ctx.session, ctx.scope, "refund.updated", refund_object(refund), now=ctx.now)
    return refund


async def list_page(
    ctx: PaymentContext, page: PageRequest, *, charge_id: str | None, payment_intent_id: str | None
) -> Page[Refund]:
    return await repository.list_refunds(
        ctx.session, ctx.scope, page, charge_id=charge_id, payment_intent_id=payment_intent_id
    )
