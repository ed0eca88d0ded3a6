"""Serving the metrics of `lynk.core.metrics` in Prometheus' text format, never public by accident.

- On the main port, `/metrics` answers only a request carrying `Authorization: Bearer
  $LYNK_METRICS_TOKEN`; with no token configured it does not exist (404).
- With `LYNK_METRICS_PORT`, `lynk serve` and `lynk worker` serve them on that port instead, bound to
  `LYNK_METRICS_HOST` (127.0.0.1 unless the operator opens it).

A scrape reads the counters of this process, or of every process when `PROMETHEUS_MULTIPROC_DIR` is
set (`lynk serve --workers N`), and asks the database for the webhook queue (depth, oldest item's age
by stage), so the queue is seen even when every worker is down.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from lynk.core.clock import Clock, unix
from lynk.core.config import Settings
from lynk.core.db import Database
from lynk.webhooks import deliveries

log = logging.getLogger("lynk.metrics")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class WebhookQueue(Collector):
    """The webhook queue, read from the database at each scrape (a fresh connection, closed after)."""

    def __init__(self, database_url: str, clock: Clock) -> None:
        self.database_url = database_url
        self.clock = clock

    async def _read(self) -> dict[str, tuple[int, int]]:
        db = Database(self.database_url, pool_size=1)
        try:
            async with db.transaction(write=False) as session:
                return await deliveries.queue(session, now=unix(self.clock))
        finally:
            await db.dispose()

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "lynk_webhook_queue_depth", "Webhook work waiting, by stage (fan_out, delivery)", labels=["stage"]
        )
        age = GaugeMetricFamily(
            "lynk_webhook_oldest_pending_age_seconds",
            "Age of the oldest waiting item, by stage (0 when none waits)",
            labels=["stage"],
        )
        try:
            stages = asyncio.run(self._read())
        except Exception as error:  # the scrape still answers; the gauges are missing, which alerts can see
            log.warning("could not read the webhook queue: %s", type(error).__name__)
            return
        for stage, (count, oldest) in stages.items():
            depth.add_metric([stage], count)
            age.add_metric([stage], oldest)
        yield depth
        yield age


class Scrape(Collector):
    """Everything one scrape shows: the process's (or all processes') metrics, then the queue."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.queue = WebhookQueue(settings.resolved_database_url, clock)

    def collect(self) -> Iterable[Metric]:
        directory = os.environ.get(MULTIPROC_ENV)
        if directory:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        yield from self.queue.collect()


async def render(scrape: Scrape) -> bytes:
    """The text format, built in a thread (the queue is read with a blocking call of its own)."""
    return await asyncio.to_thread(generate_latest, scrape)


def authorized(settings: Settings, authorization: str | None) -> bool:
    token = settings.metrics_token
    if not token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def serve_port(settings: Settings, clock: Clock) -> None:
    """Serve /metrics on `LYNK_METRICS_PORT` from a thread of this process (`lynk serve`, `lynk worker`)."""
    if settings.metrics_port is None:
        return
    start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=Scrape(settings, clock))
    log.info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)


def use_multiprocess_dir(home: Path) -> Path:
    """Before starting several server processes: one fresh directory where they all keep their values."""
    directory = Path(os.environ.get(MULTIPROC_ENV) or home / "metrics").resolve()
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # a previous run's processes: their counts are not this run's
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def process_ended() -> None:
    """A server process stops: its live gauges (connections in use) stop counting."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
