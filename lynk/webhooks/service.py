"""Webhook endpoint use cases: create (the secret is shown once), retrieve, update, delete, list,
roll the secret (the old one keeps signing for a grace period), read the attempt log, resend an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.errors import InvalidRequestError
from lynk.core.ids import new_id, random_token
from lynk.core.metadata import MetadataUpdate
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import Event, WebhookAttempt, WebhookEndpoint
from lynk.webhooks import deliveries, repository, targets
from lynk.webhooks.errors import WebhookEndpointNotFound
from lynk.webhooks.event_types import EVENT_TYPES


def check_events(events: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    for index, event in enumerate(chosen):
        if event != "*" and event not in EVENT_TYPES:
            raise InvalidRequestError(
                f"Invalid enabled_events[{index}]: {event!r} is not an event type. Use '*' or one of: "
                f"{', '.join(sorted(EVENT_TYPES))}.",
                param=f"enabled_events[{index}]",
                code="parameter_invalid",
            )
    if not chosen:
        raise InvalidRequestError("enabled_events cannot be empty.", param="enabled_events", code="parameter_missing")
    return chosen


async def check_target(scope: Scope, url: str, private_targets: targets.PrivateTargets) -> None:
    """Refuse a URL webhooks may not go to (see `targets`), naming the `url` parameter."""
    try:
        await targets.resolve(url, livemode=scope.livemode, policy=private_targets, required=False)
    except targets.TargetRefused as refused:
        raise InvalidRequestError(f"Invalid url: {refused}", param="url", code="url_invalid") from None


@dataclass(frozen=True)
class EndpointChanges:
    url: str | None = None
    description: str | None = None
    enabled_events: Sequence[str] | None = None
    disabled: bool | None = None
    metadata: MetadataUpdate | None = None


async def create(
    session: AsyncSession,
    scope: Scope,
    *,
    url: str,
    enabled_events: Sequence[str],
    description: str | None,
    api_version: str | None,
    metadata: MetadataUpdate | None,
    now: int,
    private_targets: targets.PrivateTargets,
) -> WebhookEndpoint:
    await check_target(scope, url, private_targets)
    endpoint = WebhookEndpoint(
        id=new_id("we"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_=(metadata or MetadataUpdate()).apply({}),
        url=url,
        description=description,
        enabled_events=check_events(enabled_events),
        api_version=api_version,
        status="enabled",
        secret=f"whsec_{random_token(32)}",
        deleted_at=None,
    )
    await repository.add(session, endpoint)
    return endpoint


async def get(session: AsyncSession, scope: Scope, endpoint_id: str, *, for_update: bool = False) -> WebhookEndpoint:
    endpoint = await repository.get(session, scope, endpoint_id, for_update=for_update)
    if endpoint is None:
        raise WebhookEndpointNotFound(endpoint_id)
    return endpoint


async def update(
    session: AsyncSession,
    scope: Scope,
    endpoint_id: str,
    changes: EndpointChanges,
    *,
    private_targets: targets.PrivateTargets,
) -> WebhookEndpoint:
    endpoint = await get(session, scope, endpoint_id, for_update=True)
    if changes.url is not None:
        await check_target(scope, changes.url, private_targets)
        endpoint.url = changes.url
    if changes.description is not None:
        endpoint.description = changes.description or None
    if changes.enabled_events is not None:
        endpoint.enabled_events = check_events(changes.enabled_events)
    if changes.disabled is not None:
        endpoint.status = "disabled" if changes.disabled else "enabled"
        if not changes.disabled:  # the merchant re-enables it: a fresh start
            endpoint.failing_since = endpoint.flagged_at = endpoint.auto_disabled_at = None
    if changes.metadata is not None:
        endpoint.metadata_ = changes.metadata.apply(endpoint.metadata_)
    await session.flush()
    return endpoint


async def delete(session: AsyncSession, scope: Scope, endpoint_id: str, *, now: int) -> WebhookEndpoint:
    endpoint = await get(session, scope, endpoint_id, for_update=True)
    endpoint.deleted_at = now
    await session.flush()
    return endpoint


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest) -> Page[WebhookEndpoint]:
    return await repository.list_page(session, scope, page)


MAX_ROLL_GRACE_SECONDS = 7 * 24 * 3600


async def roll_secret(
    session: AsyncSession, scope: Scope, endpoint_id: str, *, expires_in: int, now: int
) -> WebhookEndpoint:
    """A new secret; the current one keeps signing (alongside) for `expires_in` seconds."""
    endpoint = await get(session, scope, endpoint_id, for_update=True)
    if expires_in > 0:
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + expires_in
    else:
        endpoint.previous_secret = endpoint.previous_secret_expires_at = None
    endpoint.secret = f"whsec_{random_token(32)}"
    await session.flush()
    return endpoint


async def list_attempts(
    session: AsyncSession, scope: Scope, endpoint_id: str, page: PageRequest, *, event_id: str | None
) -> Page[WebhookAttempt]:
    await get(session, scope, endpoint_id)
    return await repository.list_attempts(session, scope, endpoint_id, page, event_id=event_id)


async def resend(session: AsyncSession, scope: Scope, event_id: str, *, endpoint_id: str | None, now: int) -> Event:
    """Schedule a new delivery of the event, now: to one endpoint, or to every enabled one that listens."""
    event = await events.get(session, scope, event_id)
    if endpoint_id is not None:
        endpoint = await repository.get(session, scope, endpoint_id)
        if endpoint is None:
            raise WebhookEndpointNotFound(endpoint_id, param="webhook_endpoint")
        if endpoint.status != "enabled":
            raise InvalidRequestError(
                f"The webhook endpoint {endpoint_id} is disabled; enable it (disabled=false) to resend to it.",
                param="webhook_endpoint",
            )
        targets = [endpoint]
    else:
        targets = [e for e in await repository.enabled_endpoints(session, [scope]) if e.livemode == scope.livemode]
        targets = [e for e in targets if deliveries.listens(e, event.type)]
        if not targets:
            raise InvalidRequestError(
                f"No enabled webhook endpoint listens for {event.type} events; name one with webhook_endpoint.",
                param="webhook_endpoint",
            )
    await deliveries.schedule(session, event, targets, now=now)
    return event


async def attempts_of_events(session: AsyncSession, scope: Scope, event_ids: Sequence[str]) -> Sequence[WebhookAttempt]:
    """What happened to these events' deliveries (up to 200 attempts, oldest first): a payment's timeline."""
    return await repository.attempts_of_events(session, scope, event_ids, 200)
