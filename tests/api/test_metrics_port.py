"""`LYNK_METRICS_PORT` with `lynk serve --workers 2`: one scrape adds up what every server process
counted, on a port of its own, and the main port has no `/metrics`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.processes import environment, lynk_serve
from tests.servers import free_port, fresh_database


def healthz_count(metrics_url: str) -> float:
    text = httpx.get(metrics_url, timeout=60).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "lynk_http_requests_total" and sample.labels.get("route") == "/healthz":
                return sample.value
    return 0.0


@pytest.mark.slow
def test_metrics_port_adds_up_every_server_process(tmp_path: Path) -> None:
    metrics_port = free_port()
    with fresh_database("sqlite", tmp_path) as url:
        env = environment(tmp_path / "home", url, LYNK_METRICS_PORT=str(metrics_port))
        with lynk_serve(env, "--workers", "2") as served:
            metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
            before = healthz_count(metrics_url)
            with httpx.Client(base_url=served.base_url, timeout=30) as http:
                for _ in range(40):  # new connections each: the kernel spreads them over both processes
                    http.get("/healthz", headers={"Connection": "close"})
            assert healthz_count(metrics_url) - before == 40
            assert httpx.get(f"{served.base_url}/metrics", timeout=30).status_code == 404
            text = httpx.get(metrics_url, timeout=30).text
            assert 'lynk_webhook_queue_depth{stage="delivery"} 0.0' in text
            files = list((tmp_path / "home" / "metrics").glob("*.db"))
            assert len({f.stem.rpartition("_")[2] for f in files}) >= 2, files  # two processes wrote values
