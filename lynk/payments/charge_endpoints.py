"""HTTP handlers for the Charges API beyond reading: create (through a PaymentIntent), update, capture,
and a charge's refunds (`/v1/charges/{id}/refunds`)."""

from __future__ import annotations

from typing import Any

from lynk.core.errors import ParameterMissing, ResourceMissing
from lynk.core.pagination import PageRequest
from lynk.payments import capturing, recovery, refunds, service
from lynk.payments.confirm import ConfirmOptions
from lynk.payments.endpoints import payment_context
from lynk.payments.objects import charge_object, refund_object
from lynk.payments.schemas import (
    CaptureCharge,
    CreateCharge,
    CreateChargeRefund,
    ListChargeRefunds,
    UpdateCharge,
)
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Charges"])


@routes.post("/v1/charges", params=CreateCharge, summary="Create a charge")
async def create_charge(call: ApiCall, params: CreateCharge) -> dict[str, Any]:
    """A charge is made as Lynk makes every charge: by a PaymentIntent, confirmed at once (its
    `payment_intent` names it). A card that asks for 3-D Secure fails with `authentication_required`,
    as a charge has no next action."""
    if params.source is None:
        raise ParameterMissing("source")
    ctx = payment_context(call)
    new = service.NewPaymentIntent(
        amount=params.amount,
        currency=params.currency,
        customer=params.customer,
        capture_method="automatic" if params.capture else "manual",
        description=params.description,
        receipt_email=params.receipt_email,
        statement_descriptor=params.statement_descriptor,
        statement_descriptor_suffix=params.statement_descriptor_suffix,
        shipping=params.shipping.rendered() if params.shipping else None,
        metadata=params.metadata,
    )
    confirm_with = ConfirmOptions(payment_method=params.source, error_on_requires_action=True)
    pi = await service.create(ctx, new, confirm_with)
    return charge_object(await service.get_charge(ctx, pi.latest_charge_id or ""))


@routes.post("/v1/charges/{id}", params=UpdateCharge, summary="Update a charge")
async def update_charge(call: ApiCall, params: UpdateCharge) -> dict[str, Any]:
    changes = service.ChargeChanges(
        given=frozenset(params.model_fields_set),
        description=params.description,
        metadata=params.metadata,
        receipt_email=params.receipt_email,
        shipping=params.shipping.rendered() if params.shipping else None,
        user_report=params.fraud_details.user_report if params.fraud_details else None,
    )
    return charge_object(await service.update_charge(payment_context(call), call.path["id"], changes))


@routes.post("/v1/charges/{id}/capture", params=CaptureCharge, summary="Capture a charge")
async def capture_charge(call: ApiCall, params: CaptureCharge) -> dict[str, Any]:
    ctx = payment_context(call)
    charge = await service.get_charge(ctx, call.path["id"])
    pi = await service.get(ctx, charge.payment_intent_id, for_update=True)
    if params.receipt_email is not None:
        pi.receipt_email = charge.receipt_email = params.receipt_email
    extras = capturing.CaptureExtras(
        statement_descriptor=params.statement_descriptor,
        statement_descriptor_suffix=params.statement_descriptor_suffix,
    )
    if not await recovery.take_over(ctx, pi, extras):  # none left by this request's earlier run
        await capturing.capture(ctx, pi, params.amount, extras)
    return charge_object(await service.get_charge(ctx, charge.id))


@routes.get("/v1/charges/{id}/refunds", params=ListChargeRefunds, summary="List a charge's refunds")
async def list_charge_refunds(call: ApiCall, params: ListChargeRefunds) -> dict[str, Any]:
    ctx = payment_context(call)
    charge = await service.get_charge(ctx, call.path["id"])
    page = await refunds.list_page(ctx, params.page(), charge_id=charge.id, payment_intent_id=None)
    return list_object(f"/v1/charges/{charge.id}/refunds", [refund_object(r) for r in page.items], page.has_more)


@routes.post("/v1/charges/{id}/refunds", params=CreateChargeRefund, summary="Refund a charge")
async def create_charge_refund(call: ApiCall, params: CreateChargeRefund) -> dict[str, Any]:
    ctx = payment_context(call)
    # This request's earlier run died while the processor had its refund: that refund, else a new one.
    refund = await recovery.take_over_refund(ctx) or await refunds.create(
        ctx,
        charge_id=call.path["id"],
        payment_intent_id=None,
        amount=params.amount,
        reason=params.reason,
        metadata=params.metadata,
    )
    return refund_object(refund)


@routes.get("/v1/charges/{id}/refunds/{refund}", params=NoParams, summary="Retrieve a charge's refund")
async def retrieve_charge_refund(call: ApiCall, params: NoParams) -> dict[str, Any]:
    ctx = payment_context(call)
    refund = await refunds.get(ctx, call.path["refund"])
    if refund.charge_id != call.path["id"]:
        raise ResourceMissing("refund", call.path["refund"], param="refund")
    return refund_object(refund)


async def charge_refunds(call: ApiCall, charge_id: str) -> dict[str, Any]:
    """`expand[]=refunds` on a charge: its refunds as a list (the first 100)."""
    ctx = payment_context(call)
    page = await refunds.list_page(ctx, PageRequest(limit=100), charge_id=charge_id, payment_intent_id=None)
    return list_object(f"/v1/charges/{charge_id}/refunds", [refund_object(r) for r in page.items], page.has_more)
