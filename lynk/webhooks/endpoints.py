"""HTTP handlers for /v1/webhook_endpoints."""

from __future__ import annotations

from typing import Any

from lynk.webhooks import service
from lynk.webhooks.schemas import (
    CreateWebhookEndpoint,
    ListWebhookEndpoints,
    UpdateWebhookEndpoint,
    webhook_endpoint_object,
)
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["WebhookEndpoints"])


@routes.post("/v1/webhook_endpoints", params=CreateWebhookEndpoint, summary="Create a webhook endpoint")
async def create_webhook_endpoint(call: ApiCall, params: CreateWebhookEndpoint) -> dict[str, Any]:
    endpoint = await service.create(
        call.session,
        call.scope,
        url=params.url,
        enabled_events=params.enabled_events,
        description=params.description,
        api_version=params.api_version,
        metadata=params.metadata,
        now=call.now,
    )
    return webhook_endpoint_object(endpoint, with_secret=True)


@routes.get("/v1/webhook_endpoints/{id}", params=NoParams, summary="Retrieve a webhook endpoint")
async def retrieve_webhook_endpoint(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return webhook_endpoint_object(await service.get(call.session, call.scope, call.path["id"]))


@routes.post("/v1/webhook_endpoints/{id}", params=UpdateWebhookEndpoint, summary="Update a webhook endpoint")
async def update_webhook_endpoint(call: ApiCall, params: UpdateWebhookEndpoint) -> dict[str, Any]:
    changes = service.EndpointChanges(
        url=params.url,
        description=params.description,
        enabled_events=params.enabled_events,
        disabled=params.disabled,
        metadata=params.metadata,
    )
    return webhook_endpoint_object(await service.update(call.session, call.scope, call.path["id"], changes))


@routes.delete("/v1/webhook_endpoints/{id}", params=NoParams, summary="Delete a webhook endpoint")
async def delete_webhook_endpoint(call: ApiCall, params: NoParams) -> dict[str, Any]:
    endpoint = await service.delete(call.session, call.scope, call.path["id"], now=call.now)
    return {"id": endpoint.id, "object": "webhook_endpoint", "deleted": True}


@routes.get("/v1/webhook_endpoints", params=ListWebhookEndpoints, summary="List webhook endpoints")
async def list_webhook_endpoints(call: ApiCall, params: ListWebhookEndpoints) -> dict[str, Any]:
    page = await service.list_page(call.session, call.scope, params.page())
    return list_object("/v1/webhook_endpoints", [webhook_endpoint_object(e) for e in page.items], page.has_more)
