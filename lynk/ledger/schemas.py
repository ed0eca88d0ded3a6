"""Request parameters and the Stripe shapes of the balance and of balance transactions."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from lynk.ledger.service import Balance, Funds
from lynk.models import BalanceTransaction
from lynk.wire.lists import CreatedParam, ListParams

# A merchant with no money movement yet sees a zero balance in this currency, as at Stripe.
DEFAULT_CURRENCY = "usd"

TxnType = Annotated[str, Field(min_length=1, max_length=32)]


class ListBalanceTransactions(ListParams):
    type: TxnType | None = None
    source: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    currency: Annotated[str, Field(min_length=3, max_length=3)] | None = None
    created: CreatedParam | None = None


def _funds(funds: list[Funds]) -> list[dict[str, Any]]:
    # Card is the only source type Lynk books so far.
    return [{"amount": f.amount, "currency": f.currency, "source_types": {"card": f.amount}} for f in funds]


def balance_object(balance: Balance, livemode: bool) -> dict[str, Any]:
    available, pending = balance.available, balance.pending
    if not available and not pending:
        available = pending = [Funds(0, DEFAULT_CURRENCY)]
    return {"object": "balance", "available": _funds(available), "pending": _funds(pending), "livemode": livemode}


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
