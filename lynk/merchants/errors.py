"""Errors of the merchants domain."""

from __future__ import annotations

from lynk.core.errors import ResourceMissing


class MerchantNotFound(ResourceMissing):
    def __init__(self, merchant_id: str) -> None:
        super().__init__("account", merchant_id, param="merchant")


class ApiKeyNotFound(ResourceMissing):
    def __init__(self, key_id: str) -> None:
        super().__init__("api key", key_id, param="key")
