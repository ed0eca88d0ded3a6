"""HTTP handlers for /v1/radar/early_fraud_warnings."""

from __future__ import annotations

from typing import Any

from lynk.radar import service
from lynk.radar.objects import early_fraud_warning_object
from lynk.radar.schemas import ListEarlyFraudWarnings
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Radar"])


@routes.get("/v1/radar/early_fraud_warnings/{id}", params=NoParams, summary="Retrieve an early fraud warning")
async def retrieve_early_fraud_warning(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return early_fraud_warning_object(await service.get(call.session, call.scope, call.path["id"]))


@routes.get("/v1/radar/early_fraud_warnings", params=ListEarlyFraudWarnings, summary="List early fraud warnings")
async def list_early_fraud_warnings(call: ApiCall, params: ListEarlyFraudWarnings) -> dict[str, Any]:
    page = await service.list_page(
        call.session,
        call.scope,
        params.page(params.created),
        charge_id=params.charge,
        payment_intent_id=params.payment_intent,
    )
    data = [early_fraud_warning_object(w) for w in page.items]
    return list_object("/v1/radar/early_fraud_warnings", data, page.has_more)
