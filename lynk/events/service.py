"""Record events in the caller's transaction, and read them back.

`record` never commits: the event lands together with the change it describes, or
not at all. Delivery to webhook endpoints reads these rows later.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.config import API_VERSION
from lynk.core.errors import ResourceMissing
from lynk.core.ids import new_id
from lynk.core.pagination import Page, PageRequest
from lynk.core.request_context import current_request
from lynk.core.scope import Scope
from lynk.events import repository
from lynk.models import Event


def previous_attributes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The top-level fields that changed, with their old values (Stripe's `previous_attributes`)."""
    return {key: copy.deepcopy(value) for key, value in before.items() if after.get(key) != value}


async def record(
    session: AsyncSession,
    scope: Scope,
    type_: str,
    obj: dict[str, Any],
    *,
    now: int,
    previous: dict[str, Any] | None = None,
) -> Event:
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous:
        data["previous_attributes"] = previous
    request = current_request.get()
    event = Event(
        id=new_id("evt"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        type=type_,
        api_version=API_VERSION,
        data=data,
        request_id=request.request_id if request else None,
        idempotency_key=request.idempotency_key if request else None,
    )
    await repository.add(session, event)
    return event


async def get(session: AsyncSession, scope: Scope, event_id: str) -> Event:
    event = await repository.get(session, scope, event_id)
    if event is None:
        raise ResourceMissing("event", event_id)
    return event


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest, *, types: list[str] | None) -> Page[Event]:
    return await repository.list_page(session, scope, page, types=types)
