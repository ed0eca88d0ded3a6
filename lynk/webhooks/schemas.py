"""Request parameters and the response shape of webhook endpoints."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from lynk.core.errors import ParameterInvalid
from lynk.models import WebhookAttempt, WebhookEndpoint
from lynk.wire.lists import ListParams
from lynk.wire.params import FormInt, FormList, Metadata, Params, Unsettable

_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


def _url(value: str) -> str:
    if not _URL.fullmatch(value):
        raise ParameterInvalid(f"Invalid URL: {value[:100]}. Use an http:// or https:// URL.", param="url")
    return value


Url = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_url)]
EventList = Annotated[
    FormList[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=1, max_length=100)
]


class CreateWebhookEndpoint(Params):
    url: Url
    enabled_events: EventList
    description: Unsettable[Annotated[str, Field(max_length=5000)]] = None
    api_version: Annotated[str, Field(max_length=40)] | None = None
    metadata: Metadata | None = None


class UpdateWebhookEndpoint(Params):
    url: Url | None = None
    enabled_events: EventList | None = None
    description: Annotated[str, Field(max_length=5000)] | None = None
    disabled: bool | None = None
    metadata: Metadata | None = None


class ListWebhookEndpoints(ListParams):
    pass


class RollSecret(Params):
    """Lynk extension: `expires_in` seconds during which the old secret still signs (default 24 h)."""

    expires_in: Annotated[FormInt, Field(ge=0, le=7 * 24 * 3600)] = 24 * 3600


class ListAttempts(ListParams):
    event: Annotated[str, Field(max_length=255)] | None = None


class ResendEvent(Params):
    webhook_endpoint: Annotated[str, Field(min_length=1, max_length=255)] | None = None


def _warnings(endpoint: WebhookEndpoint) -> list[dict[str, Any]]:
    """Lynk extension: why the endpoint needs attention (empty when healthy)."""
    if endpoint.auto_disabled_at is not None:
        return [
            {
                "code": "endpoint_disabled",
                "message": "Lynk disabled this endpoint because every delivery to it failed for days. "
                "Fix the receiver, then enable it again (disabled=false) and resend the events it missed.",
                "failing_since": endpoint.failing_since,
                "since": endpoint.auto_disabled_at,
            }
        ]
    if endpoint.flagged_at is not None:
        return [
            {
                "code": "delivery_failing",
                "message": "Deliveries to this endpoint keep failing; at least one event was given up after "
                "3 days of retries. Lynk disables the endpoint if failures go on.",
                "failing_since": endpoint.failing_since,
                "since": endpoint.flagged_at,
            }
        ]
    return []


def webhook_endpoint_object(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": endpoint.id,
        "object": "webhook_endpoint",
        "api_version": endpoint.api_version,
        "application": None,
        "created": endpoint.created,
        "description": endpoint.description,
        "enabled_events": list(endpoint.enabled_events),
        "livemode": endpoint.livemode,
        "metadata": dict(endpoint.metadata_),
        "status": endpoint.status,
        "url": endpoint.url,
        "warnings": _warnings(endpoint),
    }
    if with_secret:
        body["secret"] = endpoint.secret
    return body


def attempt_object(attempt: WebhookAttempt) -> dict[str, Any]:
    """Lynk extension: one delivery attempt, as the attempt log shows it."""
    return {
        "id": attempt.id,
        "object": "webhook_endpoint_attempt",
        "attempt_number": attempt.attempt_number,
        "created": attempt.created,
        "delivery": attempt.delivery_id,
        "error": attempt.error,
        "event": attempt.event_id,
        "finished_at_ms": attempt.finished_at_ms,
        "latency_ms": attempt.latency_ms,
        "livemode": attempt.livemode,
        "next_retry_at": attempt.next_attempt_at,
        "response_body": attempt.response_body,
        "started_at_ms": attempt.started_at_ms,
        "status_code": attempt.status_code,
        "succeeded": attempt.succeeded,
        "url": attempt.url,
        "webhook_endpoint": attempt.endpoint_id,
    }
