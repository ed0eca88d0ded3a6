"""Request parameters and the response shape of webhook endpoints."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from lynk.core.errors import ParameterInvalid
from lynk.models import WebhookEndpoint
from lynk.wire.lists import ListParams
from lynk.wire.params import FormList, Metadata, Params, Unsettable

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
    }
    if with_secret:
        body["secret"] = endpoint.secret
    return body
