"""Product and Price objects as Stripe renders them (no HTTP here, so events can snapshot them)."""

from __future__ import annotations

from typing import Any

from lynk.models import Price, Product


def product_object(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "object": "product",
        "active": product.active,
        "created": product.created,
        "default_price": product.default_price_id,
        "description": product.description,
        "images": list(product.images),
        "livemode": product.livemode,
        "marketing_features": list(product.marketing_features),
        "metadata": dict(product.metadata_),
        "name": product.name,
        "package_dimensions": None,
        "shippable": product.shippable,
        "statement_descriptor": product.statement_descriptor,
        "tax_code": product.tax_code,
        "type": "service",
        "unit_label": product.unit_label,
        "updated": product.updated,
        "url": product.url,
    }


def deleted_product_object(product: Product) -> dict[str, Any]:
    return {"id": product.id, "object": "product", "deleted": True}


def price_object(price: Price) -> dict[str, Any]:
    recurring = price.recurring
    return {
        "id": price.id,
        "object": "price",
        "active": price.active,
        "billing_scheme": "per_unit",
        "created": price.created,
        "currency": price.currency,
        "custom_unit_amount": None,
        "livemode": price.livemode,
        "lookup_key": price.lookup_key,
        "metadata": dict(price.metadata_),
        "nickname": price.nickname,
        "product": price.product_id,
        "recurring": None if recurring is None else {"meter": None, "trial_period_days": None, **recurring},
        "tax_behavior": price.tax_behavior,
        "tiers_mode": None,
        "transform_quantity": None,
        "type": price.type,
        "unit_amount": price.unit_amount,
        "unit_amount_decimal": str(price.unit_amount),
    }
