"""The response shape of an event, shared by the Events API, webhook deliveries and `lynk listen`."""

from __future__ import annotations

from typing import Any

from lynk.models import Event


def event_object(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "object": "event",
        "api_version": event.api_version,
        "created": event.created,
        "data": event.data,
        "livemode": event.livemode,
        "pending_webhooks": event.pending_webhooks or 0,
        "request": {"id": event.request_id, "idempotency_key": event.idempotency_key},
        "type": event.type,
    }
