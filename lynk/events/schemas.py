"""Request parameters of the Events API (and of the Lynk `listen` long-poll)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from lynk.events.objects import event_object
from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import FormInt, FormList, Params

EventType = Annotated[str, Field(min_length=1, max_length=100)]

__all__ = ["ListEvents", "ListenEvents", "event_object"]


class ListEvents(ListParams):
    type: EventType | None = None
    types: Annotated[FormList[EventType], Field(max_length=20)] | None = None
    created: CreatedParam | None = None
    delivery_success: bool | None = None

    def type_filter(self) -> list[str] | None:
        wanted = list(self.types or [])
        if self.type:
            wanted.append(self.type)
        return wanted or None


class ListenEvents(Params):
    """`GET /v1/listen/events` (Lynk extension): events after `after` (an event id, a `cursor` from an
    earlier answer, or `now`), in commit order, waiting up to `timeout` s."""

    after: Annotated[str, Field(max_length=255)] | None = None
    timeout: Annotated[FormInt, Field(ge=0, le=60)] = 25
    limit: Annotated[FormInt, Field(ge=1, le=100)] = 100
    types: Annotated[FormList[EventType], Field(max_length=100)] | None = None
