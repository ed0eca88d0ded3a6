"""HTTP handlers for /v1/webhook_endpoints, and the Lynk extensions: roll a secret, read the
attempt log, resend an event."""

from __future__ import annotations

from typing import Any

from lynk.events import service as events
from lynk.webhooks import service
from lynk.webhooks.schemas import (
    CreateWebhookEndpoint,
    ListAttempts,
    ListWebhookEndpoints,
    ResendEvent,
    RollSecret,
    UpdateWebhookEndpoint,
    attempt_object,
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
        private_targets=call.runtime.settings.webhook_private_targets,
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
    policy = call.runtime.settings.webhook_private_targets
    updated = await service.update(call.session, call.scope, call.path["id"], changes, private_targets=policy)
    return webhook_endpoint_object(updated)


@routes.delete("/v1/webhook_endpoints/{id}", params=NoParams, summary="Delete a webhook endpoint")
async def delete_webhook_endpoint(call: ApiCall, params: NoParams) -> dict[str, Any]:
    endpoint = await service.delete(call.session, call.scope, call.path["id"], now=call.now)
    return {"id": endpoint.id, "object": "webhook_endpoint", "deleted": True}


@routes.get("/v1/webhook_endpoints", params=ListWebhookEndpoints, summary="List webhook endpoints")
async def list_webhook_endpoints(call: ApiCall, params: ListWebhookEndpoints) -> dict[str, Any]:
    page = await service.list_page(call.session, call.scope, params.page())
    return list_object("/v1/webhook_endpoints", [webhook_endpoint_object(e) for e in page.items], page.has_more)


@routes.post(
    "/v1/webhook_endpoints/{id}/roll_secret",
    params=RollSecret,
    summary="Roll the signing secret (Lynk extension)",
)
async def roll_webhook_endpoint_secret(call: ApiCall, params: RollSecret) -> dict[str, Any]:
    endpoint = await service.roll_secret(
        call.session, call.scope, call.path["id"], expires_in=params.expires_in, now=call.now
    )
    return webhook_endpoint_object(endpoint, with_secret=True)


@routes.get(
    "/v1/webhook_endpoints/{id}/attempts",
    params=ListAttempts,
    summary="List delivery attempts (Lynk extension)",
)
async def list_webhook_endpoint_attempts(call: ApiCall, params: ListAttempts) -> dict[str, Any]:
    endpoint_id = call.path["id"]
    page = await service.list_attempts(call.session, call.scope, endpoint_id, params.page(), event_id=params.event)
    return list_object(
        f"/v1/webhook_endpoints/{endpoint_id}/attempts", [attempt_object(a) for a in page.items], page.has_more
    )


@routes.post("/v1/events/{id}/resend", params=ResendEvent, summary="Resend an event (Lynk extension)")
async def resend_event(call: ApiCall, params: ResendEvent) -> dict[str, Any]:
    event = await service.resend(
        call.session, call.scope, call.path["id"], endpoint_id=params.webhook_endpoint, now=call.now
    )
    return events.as_object(event)
