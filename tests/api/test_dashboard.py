"""The Grafana dashboard and the metric list in docs/operations.md cover exactly the families Lynk serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from lynk.core import metrics

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCRAPE_TIME = {"lynk_webhook_queue_depth", "lynk_webhook_oldest_pending_age_seconds"}  # read from the database


def families() -> set[str]:
    names = set(SCRAPE_TIME)
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                names.add(family.name + ("_total" if family.type == "counter" else ""))
    return names


def _family(sample: str) -> str:
    return re.sub(r"_(bucket|count|sum)$", "", sample)


def test_dashboard_queries_real_families_and_shows_them_all() -> None:
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {_family(name) for expr in expressions for name in re.findall(r"\blynk_[a-z_]+", expr)}
    assert used == families()
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_operations_doc_lists_every_family() -> None:
    text = (DOCS / "operations.md").read_text()
    listed = set(re.findall(r"^\| `(lynk_[a-z_]+)`", text, flags=re.MULTILINE))
    assert listed == families()
