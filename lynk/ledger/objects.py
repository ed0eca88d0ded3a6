"""The balance transaction object as Stripe renders it (no HTTP here, so other domains can embed it)."""

from __future__ import annotations

from typing import Any

from lynk.models import BalanceTransaction


def balance_transaction_object(txn: BalanceTransaction) -> dict[str, Any]:
    return {
        "id": txn.id,
        "object": "balance_transaction",
        "amount": txn.amount,
        "available_on": txn.available_on,
        "balance_type": "payments",
        "created": txn.created,
        "currency": txn.currency,
        "description": txn.description,
        "exchange_rate": None,
        "fee": txn.fee,
        "fee_details": txn.fee_details,
        "net": txn.net,
        "reporting_category": txn.reporting_category,
        "source": txn.source,
        "status": str(txn.status),
        "type": txn.type,
    }
