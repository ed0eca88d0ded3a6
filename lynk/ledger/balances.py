"""Read a merchant's balance and balance transactions, as the postings add up (the ledger's reads)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.errors import ResourceMissing
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.ledger import repository
from lynk.models.ledger import MERCHANT_KINDS, AccountKind, BalanceTransaction


@dataclass(frozen=True)
class Funds:
    amount: int
    currency: str


@dataclass(frozen=True)
class Balance:
    """A merchant's funds per currency, as the postings add up."""

    available: list[Funds]
    pending: list[Funds]


async def balance(session: AsyncSession, scope: Scope) -> Balance:
    """The merchant's available and pending funds per currency, summed from the postings."""
    funds = await repository.account_balances(session, scope, MERCHANT_KINDS)
    currencies = sorted({currency for _kind, currency in funds})
    return Balance(
        available=[Funds(funds.get((AccountKind.AVAILABLE, c), 0), c) for c in currencies],
        pending=[Funds(funds.get((AccountKind.PENDING, c), 0), c) for c in currencies],
    )


async def get_balance_transaction(session: AsyncSession, scope: Scope, txn_id: str) -> BalanceTransaction:
    found = await repository.get(session, scope, txn_id)
    if found is None:
        raise ResourceMissing("balance_transaction", txn_id)
    return found


async def list_balance_transactions(
    session: AsyncSession,
    scope: Scope,
    page: PageRequest,
    *,
    type_: str | None = None,
    source: str | None = None,
    currency: str | None = None,
) -> Page[BalanceTransaction]:
    return await repository.list_page(session, scope, page, type_=type_, source=source, currency=currency)


@dataclass(frozen=True)
class DayTotals:
    """One UTC day's balance transactions of one currency and type, summed."""

    day: int
    currency: str
    type: str
    count: int
    amount: int
    fee: int
    net: int


async def daily_totals(session: AsyncSession, scope: Scope, *, since: int, until: int) -> list[DayTotals]:
    """Per UTC day, currency and type (charge, refund, adjustment…): the volume the dashboard's home charts."""
    return [DayTotals(*row) for row in await repository.daily_totals(session, scope, since, until)]
