"""HTTP handlers for /v1/events, and the `lynk listen` long-poll /v1/listen/events (a Lynk extension)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lynk.core.errors import RateLimited
from lynk.events import service
from lynk.events.schemas import ListenEvents, ListEvents, event_object
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Events"])


@routes.get("/v1/events/{id}", params=NoParams, summary="Retrieve an event")
async def retrieve_event(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return event_object(await service.get(call.session, call.scope, call.path["id"]))


@routes.get("/v1/events", params=ListEvents, summary="List events")
async def list_events(call: ApiCall, params: ListEvents) -> dict[str, Any]:
    page = await service.list_page(
        call.session,
        call.scope,
        params.page(params.created),
        types=params.type_filter(),
        delivery_success=params.delivery_success,
    )
    return list_object("/v1/events", [event_object(e) for e in page.items], page.has_more)


LISTEN_POLL_SECONDS = 0.2
_listening: dict[str, int] = {}  # merchant id → long-polls waiting now, in this process


class TooManyListeners(RateLimited):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"This account already has {limit} `lynk listen` long-polls waiting. Stop one, or poll /v1/events instead.",
            code="rate_limit",
        )


@contextmanager
def _listen_slot(merchant_id: str, limit: int) -> Iterator[None]:
    """One of the merchant's few long-poll slots, so one merchant cannot tie up the server."""
    if _listening.get(merchant_id, 0) >= limit:
        raise TooManyListeners(limit)
    _listening[merchant_id] = _listening.get(merchant_id, 0) + 1
    try:
        yield
    finally:
        _listening[merchant_id] -= 1
        if not _listening[merchant_id]:
            del _listening[merchant_id]


@routes.get("/v1/listen/events", params=ListenEvents, summary="Wait for new events (Lynk extension)")
async def listen_events(call: ApiCall, params: ListenEvents) -> dict[str, Any]:
    """Long-poll: the events after `after`, in commit order, as soon as there is one (or an empty
    list after `timeout` seconds), with the `cursor` to pass as `after` next. Each poll reads in
    its own short transaction, so it sees new commits, and no database connection is held while it
    waits (the request's own session is never used). A merchant holds at most `listen_per_merchant`
    long-polls at once (429 beyond)."""
    db = call.runtime.db
    with _listen_slot(call.scope.merchant_id, call.runtime.settings.listen_per_merchant):
        async with db.transaction(write=False) as session:
            position = await service.listen_position(session, call.scope, params.after)
        deadline = time.monotonic() + params.timeout
        while True:
            async with db.transaction(write=False) as session:
                found = await service.events_after(
                    session, call.scope, position, types=params.types, limit=params.limit
                )
            if found or time.monotonic() >= deadline or await call.request.is_disconnected():
                cursor = service.position_of(found[-1]) if found else position
                listed = list_object("/v1/listen/events", [event_object(e) for e in found], len(found) == params.limit)
                return {**listed, "cursor": cursor.cursor}
            await asyncio.sleep(LISTEN_POLL_SECONDS)
