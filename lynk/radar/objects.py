"""Radar's objects as Stripe renders them: early fraud warnings, reviews, value lists and their items."""

from __future__ import annotations

from typing import Any

from lynk.models import EarlyFraudWarning, Review, ValueList, ValueListItem


def early_fraud_warning_object(warning: EarlyFraudWarning) -> dict[str, Any]:
    return {
        "id": warning.id,
        "object": "radar.early_fraud_warning",
        "actionable": warning.actionable,
        "charge": warning.charge_id,
        "created": warning.created,
        "fraud_type": warning.fraud_type,
        "livemode": warning.livemode,
        "payment_intent": warning.payment_intent_id,
    }


def review_object(review: Review) -> dict[str, Any]:
    return {
        "id": review.id,
        "object": "review",
        "billing_zip": None,
        "charge": review.charge_id,
        "closed_reason": review.closed_reason,
        "created": review.created,
        "ip_address": review.ip_address,
        "ip_address_location": None,
        "livemode": review.livemode,
        "open": review.open,
        "opened_reason": review.opened_reason,
        "payment_intent": review.payment_intent_id,
        "reason": review.reason,
        "session": None,
    }


def value_list_item_object(item: ValueListItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "object": "radar.value_list_item",
        "created": item.created,
        "created_by": item.created_by,
        "livemode": item.livemode,
        "value": item.value,
        "value_list": item.value_list_id,
    }


def value_list_object(value_list: ValueList, items: list[ValueListItem], total: int) -> dict[str, Any]:
    """Stripe embeds the list's first items (`list_items`, up to 10) with their total count."""
    return {
        "id": value_list.id,
        "object": "radar.value_list",
        "alias": value_list.alias,
        "created": value_list.created,
        "created_by": value_list.created_by,
        "item_type": value_list.item_type,
        "list_items": {
            "object": "list",
            "data": [value_list_item_object(item) for item in items[:10]],
            "has_more": total > 10,
            "total_count": total,
            "url": f"/v1/radar/value_list_items?value_list={value_list.id}",
        },
        "livemode": value_list.livemode,
        "metadata": dict(value_list.metadata_),
        "name": value_list.name,
    }


def deleted_object(object_id: str, object_name: str) -> dict[str, Any]:
    return {"id": object_id, "object": object_name, "deleted": True}
