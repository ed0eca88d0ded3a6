"""HTTP handlers for /v1/refunds."""

from __future__ import annotations

from typing import Any

from lynk.payments import recovery, refunds
from lynk.payments.endpoints import payment_context
from lynk.payments.objects import refund_object
from lynk.payments.schemas import CreateRefund, ListRefunds, UpdateRefund
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Refunds"])


@routes.post("/v1/refunds", params=CreateRefund, summary="Create a refund")
async def create_refund(call: ApiCall, params: CreateRefund) -> dict[str, Any]:
    ctx = payment_context(call)
    # This request's earlier run died while the processor had its refund: that refund, else a new one.
    refund = await recovery.take_over_refund(ctx) or await refunds.create(
        ctx,
        charge_id=params.charge,
        payment_intent_id=params.payment_intent,
        amount=params.amount,
        reason=params.reason,
        metadata=params.metadata,
    )
    return refund_object(refund)


@routes.get("/v1/refunds/{id}", params=NoParams, summary="Retrieve a refund")
async def retrieve_refund(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return refund_object(await refunds.get(payment_context(call), call.path["id"]))


@routes.post("/v1/refunds/{id}", params=UpdateRefund, summary="Update a refund")
async def update_refund(call: ApiCall, params: UpdateRefund) -> dict[str, Any]:
    return refund_object(await refunds.update(payment_context(call), call.path["id"], params.metadata))


@routes.post("/v1/refunds/{id}/cancel", params=NoParams, summary="Cancel a pending refund")
async def cancel_refund(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return refund_object(await refunds.cancel(payment_context(call), call.path["id"]))


@routes.get("/v1/refunds", params=ListRefunds, summary="List refunds")
async def list_refunds(call: ApiCall, params: ListRefunds) -> dict[str, Any]:
    page = await refunds.list_page(
        payment_context(call),
        params.page(params.created),
        charge_id=params.charge,
        payment_intent_id=params.payment_intent,
    )
    return list_object("/v1/refunds", [refund_object(r) for r in page.items], page.has_more)
