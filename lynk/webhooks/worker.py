"""The webhook worker: fan events out, lease due deliveries, POST them signed, record the outcome.

`lynk serve` runs it in-process (unless `--no-worker`); `lynk worker` runs it alone. Any
number of workers may share one PostgreSQL database (leases, `SKIP LOCKED`); on SQLite
every claim runs in `BEGIN IMMEDIATE`. Time comes from the runtime clock, so tests move
the clock instead of sleeping. A bad endpoint never stops the worker: each failure is
logged and the delivery rescheduled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from opentelemetry import trace

from lynk import __version__
from lynk.core import metrics
from lynk.core.clock import Clock, unix
from lynk.core.config import Settings
from lynk.core.db import Database
from lynk.core.ids import new_id
from lynk.webhooks import deliveries, sender, targets
from lynk.webhooks.deliveries import Job, Outcome, Policy
from lynk.webhooks.signing import signature_header
from lynk.webhooks.targets import Target

log = logging.getLogger("lynk.webhooks")
tracer = trace.get_tracer("lynk.webhooks")

FAILED_PASS_PAUSE_SECONDS = 5  # the database is away: don't spin
USER_AGENT = f"Lynk/{__version__} (webhooks; +https://github.com/lynk)"


@dataclass(frozen=True)
class WorkerConfig:
    timeout_seconds: float = 10.0
    lease_seconds: int = 60
    batch_size: int = 200
    concurrency: int = 32
    endpoint_concurrency: int = 8
    poll_interval_seconds: float = 0.25
    retry_window_seconds: int = 3 * 24 * 3600
    disable_after_seconds: int = 5 * 24 * 3600
    private_targets: targets.PrivateTargets = "test"

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        return cls(
            timeout_seconds=settings.webhook_timeout_seconds,
            lease_seconds=settings.webhook_lease_seconds,
            batch_size=settings.webhook_batch_size,
            concurrency=settings.webhook_concurrency,
            endpoint_concurrency=settings.webhook_endpoint_concurrency,
            poll_interval_seconds=settings.webhook_poll_interval_seconds,
            retry_window_seconds=settings.webhook_retry_window_seconds,
            disable_after_seconds=settings.webhook_disable_after_seconds,
            private_targets=settings.webhook_private_targets,
        )

    @property
    def policy(self) -> Policy:
        return Policy(self.retry_window_seconds, self.disable_after_seconds)


@dataclass(frozen=True)
class PassResult:
    fanned_out: int
    attempted: int
    succeeded: int


def _error_kind(error: Exception) -> str:
    """What the attempt log says of a failure: `timeout` or `connection_error`, nothing finer, so an
    endpoint's error field tells no one which ports of a host are open."""
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, OSError | UnicodeError):  # ProtocolError is a ConnectionError
        return "connection_error"
    return "internal_error"


def _outcome_label(outcome: Outcome) -> str:
    if outcome.succeeded:
        return "succeeded"
    if outcome.status_code is not None:
        return f"http_{outcome.status_code // 100}xx"
    return outcome.error or "internal_error"


def _tracing() -> bool:
    """Whether a tracer provider was set (`lynk.api.tracing`): without one, spans are skipped, not made
    and dropped (two per delivery cost more than the signature)."""
    provider = trace.get_tracer_provider()
    return not isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider)


def _span(
    traced: bool, name: str, attributes: dict[str, str], kind: trace.SpanKind = trace.SpanKind.INTERNAL
) -> AbstractContextManager[trace.Span | None]:
    """A span made current, or nothing when no tracer provider is set (`_tracing`)."""
    if not traced:
        return nullcontext()
    return tracer.start_as_current_span(name, kind=kind, attributes=attributes)


def _traced_url(url: str) -> str:
    """The URL as a span shows it: without credentials."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class DeliveryWorker:
    """One worker; `run_pass` does all that is due now, `run_forever` keeps doing it."""

    def __init__(self, db: Database, clock: Clock, config: WorkerConfig, *, name: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        self.name = name or new_id("wrk", 16)
        # A lease must outlast the slowest batch (every request, all to one endpoint, timing out), or a
        # live worker's jobs would be taken over and sent twice.
        rounds = -(-config.batch_size // min(config.concurrency, config.endpoint_concurrency))
        self.lease_seconds = max(config.lease_seconds, int(rounds * config.timeout_seconds) + 5)
        self._pools = sender.Pools(per_endpoint=config.endpoint_concurrency)
        self._slots = asyncio.Semaphore(config.concurrency)
        # Counted as each batch's requests return, not as passes end: a worker stopped mid-pass
        # still reports every delivery its endpoints received.
        self.attempted = 0
        self.delivered = 0

    async def aclose(self) -> None:
        self._pools.close()

    async def fan_out(self) -> int:
        total = 0
        while True:
            async with self.db.transaction() as session:
                count = await deliveries.fan_out(session, now=unix(self.clock), limit=self.config.batch_size)
            total += count
            if count < self.config.batch_size:
                return total

    async def deliver_due(self) -> tuple[int, int]:
        """Lease one batch of due deliveries and attempt them all; returns (attempted, succeeded)."""
        async with self.db.transaction() as session:
            jobs = await deliveries.claim(
                session,
                now=unix(self.clock),
                limit=self.config.batch_size,
                token=self.name,
                lease_seconds=self.lease_seconds,
            )
        # Each endpoint's host is resolved and checked once per batch (concurrent jobs share the lookup).
        found: dict[tuple[str, bool], asyncio.Task[targets.Target | None]] = {}
        traced = _tracing()
        outcomes = await asyncio.gather(*(self._attempt(job, found, traced) for job in jobs))
        succeeded = sum(outcome.succeeded for outcome in outcomes)
        self.attempted += len(jobs)
        self.delivered += succeeded
        self._pools.sweep()
        results = list(zip(jobs, outcomes, strict=True))
        try:
            async with self.db.transaction() as session:
                await deliveries.record_all(session, results, now=unix(self.clock), policy=self.config.policy)
        except Exception:
            log.exception("could not record a batch of %d attempts; recording them one by one", len(results))
            for job, outcome in results:
                await self._record_one(job, outcome)
        return len(jobs), succeeded

    async def run_pass(self) -> PassResult:
        """Fan out new events and attempt every delivery due now, batch after batch (new events are
        fanned out between batches, so they don't wait behind a backlog)."""
        fanned = attempted = succeeded = 0
        while True:
            fanned += await self.fan_out()
            batch, ok = await self.deliver_due()
            attempted += batch
            succeeded += ok
            if batch < self.config.batch_size:
                return PassResult(fanned, attempted, succeeded)

    async def run_forever(self) -> None:
        log.info("webhook worker %s started", self.name)
        try:
            while True:
                try:
                    result = await self.run_pass()
                except Exception:
                    log.exception("webhook worker pass failed; will try again in %d s", FAILED_PASS_PAUSE_SECONDS)
                    await asyncio.sleep(FAILED_PASS_PAUSE_SECONDS)
                    continue
                if not result.attempted and not result.fanned_out:
                    await asyncio.sleep(self.config.poll_interval_seconds)
        finally:
            log.info("webhook worker %s stopped: %d attempts, %d delivered", self.name, self.attempted, self.delivered)

    async def _attempt(
        self, job: Job, found: dict[tuple[str, bool], asyncio.Task[Target | None]], traced: bool
    ) -> Outcome:
        async with self._pools.slot(job.endpoint_id), self._slots:
            attributes = {"lynk.event_id": job.event_id, "lynk.endpoint_id": job.endpoint_id}
            with _span(traced, "webhook delivery", attributes) as span:
                outcome = await self._post(job, found, traced)
                if span is not None:
                    span.set_attribute("lynk.outcome", _outcome_label(outcome))
        metrics.WEBHOOK_DELIVERIES.labels(_outcome_label(outcome)).inc()
        metrics.WEBHOOK_DURATION.observe(outcome.latency_ms / 1000)
        return outcome

    async def _record_one(self, job: Job, outcome: Outcome) -> None:
        try:
            async with self.db.transaction() as session:
                await deliveries.record(session, job, outcome, now=unix(self.clock), policy=self.config.policy)
        except Exception:
            # The lease runs out and another pass retries the delivery.
            log.exception("could not record the attempt of %s to %s", job.event_id, job.endpoint_id)

    def _resolve(
        self, job: Job, found: dict[tuple[str, bool], asyncio.Task[Target | None]]
    ) -> Awaitable[Target | None]:
        """The endpoint's checked address, looked up once per batch; shielded, so one job's timeout does not
        cancel the lookup the others wait for."""
        key = (job.url, job.livemode)
        task = found.get(key)
        if task is None:
            policy = self.config.private_targets
            task = found[key] = asyncio.ensure_future(
                targets.resolve(job.url, livemode=job.livemode, policy=policy, required=True)
            )
        return asyncio.shield(task)

    async def _post(
        self, job: Job, found: dict[tuple[str, bool], asyncio.Task[Target | None]], traced: bool
    ) -> Outcome:
        timestamp = unix(self.clock)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Accept": "*/*",
            "Stripe-Signature": signature_header(job.secrets, job.payload, timestamp),
        }
        started_ms = int(self.clock.now() * 1000)
        began = time.monotonic()
        exchange = sender.Exchange(limit=deliveries.RESPONSE_BODY_LIMIT)
        error: str | None = None
        try:
            # One deadline for the whole exchange, so a receiver trickling bytes can't hold a slot.
            async with asyncio.timeout(self.config.timeout_seconds):
                target = await self._resolve(job, found)
                assert target is not None  # required: a name that does not resolve is refused
                request = sender.request(job.url, target, headers, job.payload)
                attributes = {"http.request.method": "POST", "url.full": _traced_url(job.url)} if traced else {}
                with _span(traced, "POST", attributes, kind=trace.SpanKind.CLIENT) as span:
                    await self._pools.post(job.endpoint_id, request, exchange)
                    if span is not None:
                        span.set_attribute("http.response.status_code", exchange.status or 0)
        except targets.TargetRefused:
            error = "address_not_allowed"
        except Exception as failure:
            if exchange.status is None:  # once the status line has come, the answer stands; the body is cut short
                error = _error_kind(failure)
                if error == "internal_error":
                    log.exception("delivery of %s to %s failed unexpectedly", job.event_id, job.endpoint_id)
        latency = int((time.monotonic() - began) * 1000)
        return Outcome(
            status_code=exchange.status,
            error=error,
            latency_ms=latency,
            # NUL can't be stored in PostgreSQL text: a receiver's binary answer must never block recording.
            response_body=bytes(exchange.body).decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
            started_at_ms=started_ms,
            finished_at_ms=started_ms + latency,
        )
