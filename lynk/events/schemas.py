"""Request parameters and the response shape of events."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from lynk.models import Event
from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import FormList

EventType = Annotated[str, Field(min_length=1, max_length=100)]


class ListEvents(ListParams):
    type: EventType | None = None
    types: Annotated[FormList[EventType], Field(max_length=20)] | None = None
    created: CreatedParam | None = None

    def type_filter(self) -> list[str] | None:
        wanted = list(self.types or [])
        if self.type:
            wanted.append(self.type)
        return wanted or None


def event_object(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "object": "event",
        "api_version": event.api_version,
        "created": event.created,
        "data": event.data,
        "livemode": event.livemode,
        "pending_webhooks": 0,
        "request": {"id": event.request_id, "idempotency_key": event.idempotency_key},
        "type": event.type,
    }
