"""The network's figures for one merchant: lookups, recognised shoppers, verifications started and passed,
Link payments, and the median time from lookup to payment. Each step is a row written in the same
transaction as the step itself; `summary` reads them (the dashboard will call it)."""

from __future__ import annotations

import statistics
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core import metrics as prometheus
from lynk.core.scope import Scope
from lynk.link import repository
from lynk.models import LinkMetricEvent

KINDS = ("lookup", "recognised", "verification_started", "verification_passed", "payment")


async def record(session: AsyncSession, scope: Scope, kind: str, now: int, seconds: int | None = None) -> None:
    row = LinkMetricEvent(
        merchant_id=scope.merchant_id, livemode=scope.livemode, kind=kind, created=now, seconds=seconds
    )
    await repository.add_metric(session, row)
    prometheus.LINK_STEPS.labels(kind).inc()


async def summary(session: AsyncSession, scope: Scope, *, since: int | None, until: int | None) -> dict[str, Any]:
    counts = dict.fromkeys(KINDS, 0)
    durations: list[int] = []
    for kind, seconds in await repository.metric_rows(session, scope, since, until):
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "payment" and seconds is not None:
            durations.append(seconds)
    return {
        "object": "link.metrics",
        "livemode": scope.livemode,
        "lookups": counts["lookup"],
        "recognised_shoppers": counts["recognised"],
        "verifications_started": counts["verification_started"],
        "verifications_passed": counts["verification_passed"],
        "link_payments": counts["payment"],
        "median_seconds_lookup_to_payment": statistics.median(durations) if durations else None,
    }
