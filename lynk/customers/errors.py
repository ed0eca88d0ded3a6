"""Errors of the customers domain."""

from __future__ import annotations

from lynk.core.errors import ResourceMissing


class CustomerNotFound(ResourceMissing):
    def __init__(self, customer_id: str, *, param: str = "id") -> None:
        super().__init__("customer", customer_id, param=param)
