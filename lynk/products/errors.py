"""Errors of the products domain."""

from __future__ import annotations

from lynk.core.errors import InvalidRequestError, ResourceMissing


class ProductNotFound(ResourceMissing):
    def __init__(self, product_id: str, *, param: str = "id") -> None:
        super().__init__("product", product_id, param=param)


class PriceNotFound(ResourceMissing):
    def __init__(self, price_id: str, *, param: str = "id") -> None:
        super().__init__("price", price_id, param=param)


class ProductExists(InvalidRequestError):
    default_code = "resource_already_exists"

    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product already exists: {product_id}.", param="id")


class LookupKeyTaken(InvalidRequestError):
    default_code = "lookup_key_taken"

    def __init__(self, lookup_key: str, price_id: str) -> None:
        super().__init__(
            f"A price ({price_id}) already uses that lookup key. Pass transfer_lookup_key=true to move it to "
            "this price.",
            param="lookup_key",
        )


class ProductHasPrices(InvalidRequestError):
    def __init__(self, product_id: str) -> None:
        super().__init__(
            f"This product ({product_id}) cannot be deleted because it has one or more prices. Archive it "
            "instead (active=false).",
            param="id",
        )
