"""Request parameters and the Stripe shapes of the balance and of balance transactions."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from lynk.ledger.objects import balance_transaction_object
from lynk.ledger.service import Balance, Funds
from lynk.wire.lists import CreatedParam, ListParams

# A merchant with no money movement yet sees a zero balance in this currency, as at Stripe.
DEFAULT_CURRENCY = "usd"

__all__ = ["ListBalanceTransactions", "balance_object", "balance_transaction_object"]

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
