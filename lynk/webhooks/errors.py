"""Errors of the webhooks domain."""

from __future__ import annotations

from lynk.core.errors import ResourceMissing


class WebhookEndpointNotFound(ResourceMissing):
    def __init__(self, endpoint_id: str, *, param: str = "id") -> None:
        super().__init__("webhook_endpoint", endpoint_id, param=param)
