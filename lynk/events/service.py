"""Record events in the caller's transaction, and read them back.

`record` never commits: the event lands together with the change it describes, or
not at all. Each new event is marked `fanout_pending`; the webhook worker (a layer
above) claims such events, creates their deliveries and clears the mark in one
transaction, so no event is lost between its commit and its delivery. Events are
kept `RETENTION_SECONDS` (30 days), then purged.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.config import API_VERSION
from lynk.core.errors import ParameterInvalid, ResourceMissing
from lynk.core.ids import new_id
from lynk.core.pagination import Page, PageRequest
from lynk.core.request_context import current_request
from lynk.core.scope import Scope
from lynk.events import repository
from lynk.events.objects import event_object
from lynk.models import Event

_SCALARS = (str, int, float, bool, type(None))


def snapshot(value: Any) -> Any:
    """A copy of an API object as it is now, which later changes to the object it was built from don't reach.
    The objects are JSON's dicts, lists and scalars: copied by hand, about eight times faster than
    `copy.deepcopy` (an event per payment step); anything else is deep-copied."""
    kind = type(value)
    if kind is dict:
        return {key: snapshot(item) for key, item in value.items()}
    if kind is list:
        return [snapshot(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


def previous_attributes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The top-level fields that changed, with their old values (Stripe's `previous_attributes`)."""
    return {key: snapshot(value) for key, value in before.items() if after.get(key) != value}


async def record(
    session: AsyncSession,
    scope: Scope,
    type_: str,
    obj: dict[str, Any],
    *,
    now: int,
    previous: dict[str, Any] | None = None,
    flush: bool = True,
) -> Event:
    """Add the event to the caller's transaction. `flush=False`: it goes in with the session's next flush (the
    one before any query, or the commit's), in one multi-row INSERT with the events recorded beside it; its
    `pk` and `txid` are then unknown until that flush."""
    data: dict[str, Any] = {"object": snapshot(obj)}
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
        fanout_pending=True,
        pending_webhooks=0,
        payment_intent_id=payment_of(obj),
    )
    await repository.add(session, event, flush=flush)
    return event


async def get(session: AsyncSession, scope: Scope, event_id: str) -> Event:
    event = await repository.get(session, scope, event_id)
    if event is None:
        raise ResourceMissing("event", event_id)
    return event


async def list_page(
    session: AsyncSession,
    scope: Scope,
    page: PageRequest,
    *,
    types: list[str] | None,
    delivery_success: bool | None = None,
    payment_intent_id: str | None = None,
) -> Page[Event]:
    return await repository.list_page(
        session, scope, page, types=types, delivery_success=delivery_success, payment_intent_id=payment_intent_id
    )


def payment_of(obj: dict[str, Any]) -> str | None:
    """The PaymentIntent an event's object is (`pi_…`) or names in `payment_intent` (unexpanded), if any."""
    own = obj.get("id")
    if isinstance(own, str) and own.startswith("pi_"):
        return own
    named = obj.get("payment_intent")
    return named if isinstance(named, str) and named else None


async def about_payment(session: AsyncSession, scope: Scope, payment_intent_id: str, page: PageRequest) -> Page[Event]:
    """The events about a payment (its own, its charges', refunds', review's, disputes'), newest first, by cursor
    (the events' scope/payment index)."""
    return await repository.list_page(session, scope, page, types=None, payment_intent_id=payment_intent_id)


@dataclass(frozen=True)
class ListenPosition:
    """Where a `lynk listen` session is in the merchant's events, in commit order: after every
    event at or before (txid, pk). Handed to the client as an opaque `cursor` (`lcur_…`)."""

    txid: int
    pk: int

    @property
    def cursor(self) -> str:
        return f"{CURSOR_PREFIX}{self.txid}_{self.pk}"


CURSOR_PREFIX = "lcur_"
_CURSOR = re.compile(rf"^{CURSOR_PREFIX}(\d{{1,19}})_(\d{{1,19}})$")
START = ListenPosition(0, 0)
MAX_BIGINT = 2**63 - 1


async def listen_position(session: AsyncSession, scope: Scope, after: str | None) -> ListenPosition:
    """`after` as a position: None (from the first event), `now` (after every event committed so
    far), a `cursor` from an earlier answer, or an event id (404 if unknown)."""
    if after is None:
        return START
    if after == "now":
        return ListenPosition(*await repository.listen_now(session, scope))
    if after.startswith(CURSOR_PREFIX):
        match = _CURSOR.match(after)
        if match is None or max(int(match[1]), int(match[2])) > MAX_BIGINT:
            raise ParameterInvalid(f"Invalid cursor: {after}. Pass the `cursor` of an earlier answer.", param="after")
        return ListenPosition(int(match[1]), int(match[2]))
    return position_of(await get(session, scope, after))


def position_of(event: Event) -> ListenPosition:
    return ListenPosition(event.txid or 0, event.pk)


async def events_after(
    session: AsyncSession, scope: Scope, position: ListenPosition, *, types: list[str] | None, limit: int
) -> Sequence[Event]:
    """The merchant's events after `position`, in commit order (for `lynk listen`): an event is
    handed out once every event before it in that order has committed, so none is skipped."""
    return await repository.listen_after(session, scope, position.txid, position.pk, types=types, limit=limit)


def as_object(event: Event) -> dict[str, Any]:
    return event_object(event)


# The webhook worker's side: fan-out, delivery bookkeeping, retention (system jobs, all merchants).

RETENTION_SECONDS = 30 * 24 * 3600


async def claim_for_fanout(session: AsyncSession, limit: int) -> Sequence[Row[str, str, bool, str, int]]:
    """Lock up to `limit` events whose deliveries are not made yet (skipping ones other workers hold);
    returns their (id, merchant_id, livemode, type, created)."""
    return await repository.claim_fanout(session, limit)


async def awaiting_fanout(session: AsyncSession) -> tuple[int, int | None]:
    """(count, oldest `created`) of the events not fanned out to webhook deliveries yet."""
    return await repository.awaiting_fanout(session)


async def mark_fanned_out(session: AsyncSession, counts: Mapping[str, int]) -> None:
    """Clear the mark of these claimed events, with their new `pending_webhooks` (a few UPDATEs per batch)."""
    await repository.set_counts(session, counts, fanned_out=True)


async def by_ids(session: AsyncSession, ids: Sequence[str]) -> dict[str, Event]:
    return {event.id: event for event in await repository.by_ids(session, ids)}


async def lock_for_delivery_count(session: AsyncSession, event_ids: Sequence[str]) -> list[str]:
    """Lock these events (in id order) so concurrent workers update `pending_webhooks` one at a time;
    returns the ids of those that still exist."""
    return await repository.lock(session, event_ids)


async def set_pending_webhooks(session: AsyncSession, counts: Mapping[str, int]) -> None:
    """Store the counts on events locked by `lock_for_delivery_count` (one UPDATE per distinct count)."""
    await repository.set_counts(session, counts, fanned_out=False)


async def purge_expired(session: AsyncSession, *, now: int, limit: int = 1000) -> list[str]:
    """Delete up to `limit` events older than the retention window; returns their ids."""
    return await repository.purge_before(session, now - RETENTION_SECONDS, limit)
