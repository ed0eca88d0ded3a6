"""HTTP handlers for /v1/disputes."""

from __future__ import annotations

from typing import Any

from lynk.disputes import service
from lynk.disputes.schemas import ListDisputes, UpdateDispute
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Disputes"])


@routes.get("/v1/disputes/{id}", params=NoParams, summary="Retrieve a dispute")
async def retrieve_dispute(call: ApiCall, params: NoParams) -> dict[str, Any]:
    dispute = await service.get(call.session, call.scope, call.path["id"])
    return await service.render(call.session, dispute, now=call.now)


@routes.post("/v1/disputes/{id}", params=UpdateDispute, summary="Update a dispute (evidence, metadata, submit)")
async def update_dispute(call: ApiCall, params: UpdateDispute) -> dict[str, Any]:
    dispute = await service.update(
        call.session,
        call.scope,
        call.path["id"],
        evidence=params.evidence.given() if params.evidence is not None else None,
        metadata=params.metadata,
        submit=params.submit,
        review_seconds=call.runtime.settings.dispute_review_seconds,
        now=call.now,
    )
    return await service.render(call.session, dispute, now=call.now)


@routes.post("/v1/disputes/{id}/close", params=NoParams, summary="Close (accept) a dispute")
async def close_dispute(call: ApiCall, params: NoParams) -> dict[str, Any]:
    dispute = await service.close(call.session, call.scope, call.path["id"], now=call.now)
    return await service.render(call.session, dispute, now=call.now)


@routes.get("/v1/disputes", params=ListDisputes, summary="List disputes")
async def list_disputes(call: ApiCall, params: ListDisputes) -> dict[str, Any]:
    page = await service.list_page(
        call.session,
        call.scope,
        params.page(params.created),
        charge_id=params.charge,
        payment_intent_id=params.payment_intent,
    )
    data = [await service.render(call.session, d, now=call.now) for d in page.items]
    return list_object("/v1/disputes", data, page.has_more)
