"""Outcomes a merchant's processor decides after Lynk's call returned: a payment the shopper authenticated
on the processor's own 3-D Secure page (the shopper comes back to `/hooks/processors/{id}/return`), or
one the processor settled asynchronously (its `payment_intent.succeeded` / `payment_intent.payment_failed`
webhook).

Neither the shopper's return nor the webhook is trusted for the outcome: both only name the attempt (by
the processor's idempotency key, `{attempt key}@{proc id}`), and Lynk asks that processor's connector to
`complete` the attempt with what the processor sent back with the shopper (Adyen's `redirectResult`,
handed to Adyen's `/payments/details`; for Stripe and a webhook a plain `status` of the key), then writes
its answer through the same code as any authorization (`recovery.apply_answer`): charge, ledger, events.
An attempt already settled, or no longer the intent's latest, is left alone, so a second
return or a redelivered webhook changes nothing.

A refund the processor reports `failed` after accepting it (`charge.refund.updated`, `refund.updated`,
`refund.failed`; Adyen's REFUND_FAILED) is applied by `refunds.failed_at_processor`, once.
"""

from __future__ import annotations

import contextlib
from typing import Any

from lynk.connectors import AuthorizeStatus, CompleteRequest
from lynk.disputes import service as disputes
from lynk.models import PaymentIntent, PaymentIntentStatus
from lynk.payments import aftermath, recovery, refunds, repository
from lynk.payments import options as intent_options
from lynk.payments.context import PaymentContext, connector_call
from lynk.payments.errors import PaymentDeclined
from lynk.processors.routing import tagged

PENDING = {PaymentIntentStatus.REQUIRES_ACTION}


async def settle_pending(
    ctx: PaymentContext, processor_id: str, processor_key: str, details: dict[str, str] | None = None
) -> PaymentIntent | None:
    """Apply what the processor now says of the attempt it knows by `processor_key` (finished with the
    `details` it sent back with the shopper, if any); the intent (settled, or still waiting:
    `requires_action`), or None if the key names no attempt of this processor's in `ctx.scope`."""
    attempt_key, _, owner = processor_key.rpartition("@")
    if owner != processor_id or not attempt_key:
        return None
    call = await repository.find_call(ctx.session, attempt_key)
    if call is None or call.operation != "authorize" or not call.payment_intent_id.startswith("pi_"):
        return None
    pi = await repository.get_intent(ctx.session, ctx.scope, call.payment_intent_id, for_update=True)
    if pi is None:
        return None
    latest = attempt_key.endswith(f":authorize:{pi.attempts}")  # a later confirm made another attempt since
    if pi.status not in PENDING or call.status != AuthorizeStatus.AUTHENTICATION_REQUIRED or not latest:
        return pi
    capture = intent_options.capture_method(pi, "card") != "manual"  # processors take cards only
    ask = CompleteRequest(attempt_key, details or {}, currency=pi.currency, capture=capture)
    result = await connector_call(ctx.connector.complete, ask)
    if result is None:
        return pi
    if result.status == AuthorizeStatus.AUTHENTICATION_REQUIRED and not result.code:
        return pi  # the shopper has not finished at the processor yet
    with contextlib.suppress(PaymentDeclined):  # a decline is an outcome: written all the same
        await recovery.apply_answer(ctx, pi, call, result, authenticated=True, fail_on_action=True)
    return pi


# A processor's webhooks: the events applied, by type (Stripe's names; other kinds translate to these).
PAYMENT_OUTCOMES = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.amount_capturable_updated",
}


# A refund the processor accepted, then could not pay out (Adyen's REFUND_FAILED is told as the first).
REFUND_UPDATES = {"charge.refund.updated", "refund.updated", "refund.failed"}


async def refund_updated(ctx: PaymentContext, processor_id: str, refund: dict[str, Any]) -> bool:
    """Apply a processor's refund that is now `failed` to the refund Lynk made there (matched by the
    processor's own refund id); a succeeded one only confirms what Lynk already booked."""
    reference = refund.get("id")
    if refund.get("status") != "failed" or not isinstance(reference, str) or not reference:
        return False
    found = await repository.refund_by_connector_reference(ctx.session, ctx.scope, tagged(processor_id, reference))
    if found is None:
        return False
    return await refunds.failed_at_processor(ctx, found, str(refund.get("failure_reason") or "unknown"))


async def apply_event(ctx: PaymentContext, processor_id: str, event: dict[str, Any]) -> bool:
    """Apply one verified event of the processor's; whether it changed anything (a redelivery does not)."""
    kind, thing = event.get("type"), (event.get("data") or {}).get("object") or {}
    if kind in REFUND_UPDATES:
        return await refund_updated(ctx, processor_id, thing)
    if kind in PAYMENT_OUTCOMES:
        key = (thing.get("metadata") or {}).get("lynk_idempotency_key")
        if not isinstance(key, str):
            return False
        before = await _status_of(ctx, key)
        pi = await settle_pending(ctx, processor_id, key)
        return pi is not None and pi.status != before
    intent = thing.get("payment_intent")
    if kind not in ("charge.dispute.created", "charge.dispute.closed") or not isinstance(intent, str):
        return False
    charge = await repository.charge_by_connector_reference(ctx.session, ctx.scope, tagged(processor_id, intent))
    if charge is None or not charge.captured:
        return False
    status = str(thing.get("status", ""))
    if kind == "charge.dispute.closed":
        won = status in ("won", "warning_closed")
        return await disputes.decided_by_processor(ctx.session, ctx.scope, charge.id, won=won, now=ctx.now)
    if charge.disputed:
        return False
    reason = str(thing.get("reason") or "general")
    await aftermath.open_dispute_on(ctx, charge, reason=reason, inquiry=status.startswith("warning"))
    return True


async def _status_of(ctx: PaymentContext, processor_key: str) -> str | None:
    call = await repository.find_call(ctx.session, processor_key.rpartition("@")[0])
    if call is None:
        return None
    pi = await repository.get_intent(ctx.session, ctx.scope, call.payment_intent_id)
    return str(pi.status) if pi is not None else None
