"""Lynk's Prometheus metrics: every family defined here, counted where its thing happens.

Labels are small closed sets (route templates, outcomes, method types, job names, modes): never an
id, an email, a key or a URL, so no series names a merchant or a shopper and the number of series
stays bounded. `docs/operations.md` lists the families; `lynk.api.metrics` serves them.

With `PROMETHEUS_MULTIPROC_DIR` set (`lynk serve --workers N` sets it), prometheus-client keeps
each process's values in files there and a scrape adds them up; the gauge counts live processes only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

# Seconds: from a fast in-memory answer to a slow processor (Prometheus' defaults stop at 10 s).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "lynk_http_requests", "HTTP requests answered, by route template and status", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "lynk_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
PAYMENTS = Counter(
    "lynk_payments",
    "Payment attempts written, by outcome (authorized, issuer_declined, blocked, invalid, requires_action, pending), "
    "payment method type and mode",
    ["outcome", "method_type", "mode"],
)
PROCESSOR_CALLS = Counter(
    "lynk_processor_calls",
    "Calls to a processor, by processor, operation and outcome",
    ["processor", "operation", "outcome"],
)
PROCESSOR_DURATION = Histogram(
    "lynk_processor_call_duration_seconds",
    "Time a processor took to answer, by processor and operation",
    ["processor", "operation"],
    buckets=LATENCY_BUCKETS,
)
WEBHOOK_DELIVERIES = Counter(
    "lynk_webhook_deliveries",
    "Webhook delivery attempts, by outcome (succeeded, http_4xx, http_5xx, timeout, …)",
    ["outcome"],
)
WEBHOOK_DURATION = Histogram(
    "lynk_webhook_delivery_duration_seconds", "Time of one webhook delivery attempt", buckets=LATENCY_BUCKETS
)
LINK_STEPS = Counter(
    "lynk_link_steps",
    "Link network steps: lookup, recognised, verification_started, verification_passed, payment",
    ["step"],
)
LINK_CODES_SENT = Counter("lynk_link_codes_sent", "One-time codes sent, by channel", ["channel"])
LINK_VERIFICATIONS = Counter(
    "lynk_link_verifications", "One-time codes checked, by result (passed, failed)", ["result"]
)
LINK_LOCKOUTS = Counter(
    "lynk_link_lockouts", "Link verifications locked (for a source or the account) after too many wrong codes"
)
DB_POOL_IN_USE = Gauge(
    "lynk_db_pool_connections_in_use", "Database connections checked out of the pools", multiprocess_mode="livesum"
)
DB_POOL_WAIT = Histogram(
    "lynk_db_pool_wait_seconds", "Time to get a connection from the pool (PostgreSQL)", buckets=LATENCY_BUCKETS
)
# Seconds, fine around the risk stage's budget (2 ms p99 added to a confirm, docs/fraud.md).
RISK_BUCKETS = (
    0.00025,
    0.0005,
    0.00075,
    0.001,
    0.00125,
    0.0015,
    0.00175,
    0.002,
    0.0025,
    0.003,
    0.004,
    0.005,
    0.0075,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    1,
)
RISK_STAGE_DURATION = Histogram(
    "lynk_risk_stage_seconds",
    "Time the risk stage takes in a card confirm, by part: assess (before the processor), record (after it), "
    "and total (both, once per attempt)",
    ["part"],
    buckets=RISK_BUCKETS,
)
UPKEEP_RUNS = Counter(
    "lynk_upkeep_runs",
    "Upkeep job runs, by job and outcome (done, skipped: another process had it, failed)",
    ["job", "outcome"],
)
UPKEEP_DURATION = Histogram(
    "lynk_upkeep_duration_seconds", "Time of one upkeep job run, by job", ["job"], buckets=LATENCY_BUCKETS
)
UPKEEP_ITEMS = Counter("lynk_upkeep_items", "Objects an upkeep job handled (expired, settled, purged…)", ["job"])


def mode(livemode: bool) -> str:
    return "live" if livemode else "test"


def payment(outcome: str, method_type: str, livemode: bool) -> None:
    PAYMENTS.labels(outcome, method_type, mode(livemode)).inc()


class _Run:
    """What an upkeep job reports while it runs: how many objects it handled, or that it skipped."""

    outcome = "done"
    items = 0


@contextmanager
def upkeep(job: str) -> Iterator[_Run]:
    run = _Run()
    began = time.perf_counter()
    try:
        yield run
    except BaseException:
        run.outcome = "failed"
        raise
    finally:
        UPKEEP_RUNS.labels(job, run.outcome).inc()
        if run.outcome != "skipped":
            UPKEEP_DURATION.labels(job).observe(time.perf_counter() - began)
        if run.items:
            UPKEEP_ITEMS.labels(job).inc(run.items)
