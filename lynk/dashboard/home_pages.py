"""Home: for the last 7 or 30 days, gross volume, refunds, fees and net per currency with the number of
successful payments (summed from the ledger's balance transactions), declines and disputes opened, a chart of
gross volume by day, and what Link did for conversion (`GET /v1/link/metrics`: the Link share of payments, the
recognised-shopper rate, the verification pass rate, the median time from lookup to payment), each chart with a
table as its text."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from lynk.core.money import currency as currency_of
from lynk.core.pagination import CreatedFilter, Page, PageRequest
from lynk.dashboard import charts
from lynk.dashboard.timeline import money
from lynk.dashboard.web import BASE, Visit, pages, render, view
from lynk.disputes import service as disputes
from lynk.ledger import service as ledger
from lynk.link import metrics as link_metrics
from lynk.payments import service as payments

DAY = 86400
COUNT_UP_TO = 1000  # declines and disputes are counted up to this many ("1000+" beyond)
PERIODS = (7, 30)
PAYMENT_TYPES = ("charge", "payment")


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 // whole}%" if whole else "—"


async def _counts(visit: Visit, since: int) -> tuple[str, str]:
    """(declined payments, disputes opened) since then, as shown ("1000+" past COUNT_UP_TO)."""
    wanted = PageRequest(limit=COUNT_UP_TO, created=CreatedFilter(gte=since))
    declined = await payments.search_charges(visit.payments(), f'status:"failed" AND created>={since}', wanted)
    opened = await disputes.list_page(visit.tx.session, visit.scope, wanted, charge_id=None, payment_intent_id=None)
    return _count(declined), _count(opened)


def _count(found: Page[Any]) -> str:
    return f"{len(found.items)}{'+' if found.has_more else ''}"


def _day_label(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%d %b")


@pages.get(f"{BASE}/home")
async def home(request: Request) -> Response:
    wanted = request.query_params.get("days", "")
    days = int(wanted) if wanted.isdigit() and int(wanted) in PERIODS else PERIODS[0]

    async def show(visit: Visit) -> Response:
        today = visit.tx.now - visit.tx.now % DAY
        since, until = today - (days - 1) * DAY, today + DAY
        totals = await ledger.daily_totals(visit.tx.session, visit.scope, since=since, until=until)
        by_currency: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        gross_by_day: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for t in totals:
            figures = by_currency[t.currency]
            if t.type in PAYMENT_TYPES:
                figures["gross"] += t.amount
                figures["payments"] += t.count
                gross_by_day[t.currency][t.day] += t.amount
            elif t.type == "refund":
                figures["refunds"] += -t.amount
            else:
                figures["adjustments"] += t.amount
            figures["fees"] += t.fee
            figures["net"] += t.net
        summary = [
            {
                "currency": code.upper(),
                "gross": money(f["gross"], code),
                "refunds": money(f["refunds"], code),
                "adjustments": money(f["adjustments"], code),
                "fees": money(f["fees"], code),
                "net": money(f["net"], code),
                "payments": f["payments"],
            }
            for code, f in sorted(by_currency.items(), key=lambda item: -item[1]["gross"])
        ]
        main = max(gross_by_day, key=lambda c: sum(gross_by_day[c].values()), default="usd")
        unit = currency_of(main)
        volume = [
            (_day_label(d), gross_by_day[main][d], unit.format(gross_by_day[main][d])) for d in range(since, until, DAY)
        ]
        link = await link_metrics.summary(visit.tx.session, visit.scope, since=since, until=until)
        payments = sum(f["payments"] for f in by_currency.values())
        funnel = [
            ("Lookups", link["lookups"]),
            ("Recognised shoppers", link["recognised_shoppers"]),
            ("Verifications started", link["verifications_started"]),
            ("Verifications passed", link["verifications_passed"]),
            ("Link payments", link["link_payments"]),
        ]
        median = link["median_seconds_lookup_to_payment"]
        declines, disputed = await _counts(visit, since)
        return render(
            request,
            "home.html",
            visit=visit,
            section="home",
            days=days,
            periods=PERIODS,
            summary=summary,
            chart_currency=main.upper(),
            volume=charts.columns(volume),
            chart_width=charts.WIDTH,
            chart_height=charts.HEIGHT,
            funnel=charts.rows([(label, value, str(value)) for label, value in funnel]),
            link_share=_percent(link["link_payments"], payments),
            recognised_rate=_percent(link["recognised_shoppers"], link["lookups"]),
            pass_rate=_percent(link["verifications_passed"], link["verifications_started"]),
            median=f"{median:g} s" if median is not None else "—",
            declines=declines,
            disputes=disputed,
        )

    return await view(request, "payments.read", show)
