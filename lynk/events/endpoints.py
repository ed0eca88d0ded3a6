"""HTTP handlers for /v1/events."""

from __future__ import annotations

from typing import Any

from lynk.events import service
from lynk.events.schemas import ListEvents, event_object
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Events"])


@routes.get("/v1/events/{id}", params=NoParams, summary="Retrieve an event")
async def retrieve_event(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return event_object(await service.get(call.session, call.scope, call.path["id"]))


@routes.get("/v1/events", params=ListEvents, summary="List events")
async def list_events(call: ApiCall, params: ListEvents) -> dict[str, Any]:
    page = await service.list_page(call.session, call.scope, params.page(params.created), types=params.type_filter())
    return list_object("/v1/events", [event_object(e) for e in page.items], page.has_more)
