"""The `radar.early_fraud_warning` object as Stripe renders it."""

from __future__ import annotations

from typing import Any

from lynk.models import EarlyFraudWarning


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
