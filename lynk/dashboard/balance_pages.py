"""The balance: available and pending funds per currency (summed from the ledger's postings), the balance
transactions with their fees, 25 a page by cursor, and all of them as CSV (`/dashboard/balance.csv`)."""

from __future__ import annotations

import csv
import io

from fastapi import Request
from fastapi.responses import Response

from lynk.core.money import currency as currency_of
from lynk.core.pagination import PageRequest
from lynk.dashboard.timeline import money, when
from lynk.dashboard.web import BASE, Visit, next_page, pages, render, site, view
from lynk.ledger import service as ledger
from lynk.models import BalanceTransaction

PAGE_SIZE = 25
EXPORT_PAGE = 500
EXPORT_LIMIT = 100_000  # rows in one file; a larger history is exported by the API's list
CSV_COLUMNS = ("id", "created", "type", "status", "currency", "amount", "fee", "net", "available_on", "source")


def _row(txn: BalanceTransaction) -> dict[str, str]:
    return {
        "id": txn.id,
        "created": when(txn.created),
        "type": txn.type,
        "status": str(txn.status),
        "amount": money(txn.amount, txn.currency),
        "fee": money(txn.fee, txn.currency),
        "net": money(txn.net, txn.currency),
        "source": txn.source or "",
    }


@pages.get(f"{BASE}/balance")
async def balance_page(request: Request) -> Response:
    after = request.query_params.get("after", "")[:64] or None

    async def show(visit: Visit) -> Response:
        session, scope = visit.tx.session, visit.scope
        funds = await ledger.balance(session, scope)
        found = await ledger.list_balance_transactions(
            session, scope, PageRequest(limit=PAGE_SIZE, starting_after=after)
        )
        more = next_page(f"{BASE}/balance", found)
        return render(
            request,
            "balance.html",
            visit=visit,
            section="balance",
            available=[money(f.amount, f.currency) for f in funds.available],
            pending=[money(f.amount, f.currency) for f in funds.pending],
            rows=[_row(t) for t in found.items],
            more=more,
        )

    return await view(request, "balance.read", show)


def _csv(rows: list[BalanceTransaction]) -> str:
    """Amounts in major units as plain decimals (`12.50`), as a spreadsheet reads them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for t in rows:
        unit = currency_of(t.currency)
        amounts = (unit.format(t.amount), unit.format(t.fee), unit.format(t.net))
        writer.writerow((t.id, t.created, t.type, t.status, t.currency, *amounts, t.available_on, t.source or ""))
    return buffer.getvalue()


@pages.get(f"{BASE}/balance.csv")
async def balance_csv(request: Request) -> Response:
    async def export(visit: Visit) -> Response:
        rows: list[BalanceTransaction] = []
        after: str | None = None
        while len(rows) < EXPORT_LIMIT:
            found = await ledger.list_balance_transactions(
                visit.tx.session, visit.scope, PageRequest(limit=EXPORT_PAGE, starting_after=after)
            )
            rows.extend(found.items)
            if not found.has_more or not found.items:
                break
            after = found.items[-1].id
        await visit.audit("exported_balance", None, rows=len(rows))
        mode = "live" if visit.row.livemode else "test"
        headers = {
            **site.headers,
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="balance-transactions-{mode}.csv"',
        }
        return Response(_csv(rows), headers=headers)

    return await view(request, "balance.read", export)
