"""What every payments use case needs (the transaction, the scope, the vault keyring, the connector),
and the one way to call the processor: logged before, answered after, no answer a retryable 503.

The connector follows the scope's merchant and mode: the merchant's own processors when it has any
(`lynk.processors.routing`: routed, with failover), else test mode uses the test connector (the
simulator), live mode only the live one the operator configured. With none, live payments are refused
(`ProcessorNotConfigured`): the simulator never serves live mode.

`build` is the one way to make a context: from the process's `Runtime` (its keyring, its connectors and the
operator's settings), the caller's transaction, scope and time, and the shopper's browser when one asked."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.connectors import (
    AuthorizeResult,
    Connector,
    ConnectorUnavailable,
    DebitResult,
    IdempotencyKeyReused,
    NoProcessor,
    OperationResult,
)
from lynk.connectors import ProcessorNotConfigured as NoLiveProcessor
from lynk.core import metrics
from lynk.core.db import require_committed_claim
from lynk.core.request_context import current_request
from lynk.core.scope import Scope
from lynk.ledger.fees import DEFAULT_FEES, FeeSchedule
from lynk.link.service import BROWSER_COOKIE
from lynk.models import ConnectorCall
from lynk.payments import repository
from lynk.payments.errors import (
    ProcessorDisagrees,
    ProcessorKeyConflict,
    ProcessorNotConfigured,
    ProcessorUnavailable,
)
from lynk.processors.routing import ProcessorRouter
from lynk.radar.assessment import Limits
from lynk.runtime import Runtime
from lynk.vault.keyring import Keyring


@dataclass(frozen=True)
class ClientInfo:
    """The browser or server that made the request: a mandate records it as the shopper's consent."""

    ip_address: str | None
    user_agent: str | None
    # The shopper's `lynk_browser` binding when the request came from Lynk's page or element in her browser:
    # Radar's device (link.service.device_of), for card payments as for Link ones.
    browser: str | None = None


@dataclass
class PaymentContext:
    session: AsyncSession
    scope: Scope
    keyring: Keyring
    test_connector: Connector
    now: int
    public_url: str
    live_connector: Connector | None = None
    fees: FeeSchedule = DEFAULT_FEES
    # How long after confirmation a bank debit is asked for the bank's verdict (Settings).
    bank_settlement_seconds: int = 180
    dispute_evidence_seconds: int = 7 * 24 * 3600
    client: ClientInfo | None = None
    radar_limits: Limits = field(default_factory=Limits)  # card-testing limits (Settings.radar_declines_per_*)
    # PaymentIntents created by this request: gone with it if it crashes, so no processor key may derive from them.
    created_here: set[str] = field(default_factory=set)
    # Intents this request made itself (not one an earlier run committed, which `created_here` also holds): no
    # attempt on them exists but those this request records, so none is looked for before one is recorded.
    made_now: set[str] = field(default_factory=set)
    # Rows the caller locked before a processor attempt (a Checkout Session), locked again at the start of
    # each later phase before the attempt and its intent: the caller's lock order, so no deadlock with a
    # request that holds them and waits for the intent.
    relock: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    # Seconds the risk stage's `assess` took for the attempt under way; `record` adds its own and reports both.
    risk_seconds: float = 0.0
    _router: ProcessorRouter | None = field(default=None, repr=False)

    @property
    def connector(self) -> ProcessorRouter:
        """The merchant's processors for the scope's mode, or the mode's default: live mode never falls
        back to the test connector."""
        if self._router is None:
            default = self.test_connector if not self.scope.livemode else self.live_connector or NoProcessor()
            self._router = ProcessorRouter(self.session, self.keyring, self.scope, default, public_url=self.public_url)
        return self._router


async def require_processor(ctx: PaymentContext) -> None:
    """Refuse a payment up front when its mode has no processor to send it to."""
    # Read the merchant's processors now, in phase 1: the call itself then reads nothing more of them. Nothing a
    # payment leaves pending is one of them: no autoflush, so the intent's changes go in one UPDATE with its attempt.
    with ctx.session.no_autoflush:
        has_processors = await ctx.connector.has_processors()
    if ctx.scope.livemode and ctx.live_connector is None and not has_processors:
        raise ProcessorNotConfigured()


def build(
    runtime: Runtime, session: AsyncSession, scope: Scope, now: int, *, client: ClientInfo | None = None
) -> PaymentContext:
    """A payments context in the caller's transaction: the runtime's keyring and connectors, and what the
    operator configured (fees, settlement and evidence windows, Radar's card-testing limits)."""
    settings = runtime.settings
    return PaymentContext(
        session=session,
        scope=scope,
        keyring=runtime.keyring,
        test_connector=runtime.connector,
        live_connector=runtime.live_connector,
        now=now,
        public_url=settings.public_url,
        fees=FeeSchedule(settings.ach_fee_bps, settings.ach_fee_cap, settings.dispute_fee),
        bank_settlement_seconds=settings.bank_debit_settlement_seconds,
        dispute_evidence_seconds=settings.dispute_evidence_seconds,
        radar_limits=Limits(
            settings.radar_declines_per_intent,
            settings.radar_declines_per_ip,
            settings.radar_declines_per_merchant,
            redis_url=settings.redis_url,
        ),
        client=client,
    )


class _Peer(Protocol):
    @property
    def host(self) -> str: ...


class BrowserRequest(Protocol):
    """What `client_of` reads of a request (Starlette's `Request`; payments imports no HTTP library)."""

    @property
    def client(self) -> _Peer | None: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def cookies(self) -> Mapping[str, str]: ...


def client_of(request: BrowserRequest) -> ClientInfo:
    """The browser or server that sent `request`: its address, user agent and Link browser binding (Radar's
    IP address and device; a mandate's consent)."""
    return ClientInfo(
        request.client.host if request.client else None,
        request.headers.get("user-agent"),
        request.cookies.get(BROWSER_COOKIE),
    )


def authentication_url(
    ctx: PaymentContext, intent_id: str, client_secret: str, result: AuthorizeResult | None
) -> str | None:
    """Where the shopper authenticates: the processor's own page when it gave one (its `next_action`,
    passed through); else Lynk's challenge page in test mode, and in live mode none (the attempt then
    fails as not authenticated)."""
    if result is not None and result.authentication_url:
        return result.authentication_url
    if ctx.scope.livemode:
        return result.authentication_url if result is not None else None
    return f"{ctx.public_url.rstrip('/')}/3ds/{intent_id}?client_secret={client_secret}"


logger = logging.getLogger(__name__)
tracer = trace.get_tracer("lynk.payments")
R = TypeVar("R")
Q = TypeVar("Q")


async def record_call(
    ctx: PaymentContext,
    *,
    operation: str,
    payment_intent_id: str,
    key: str,
    amount: int,
    request_key: str | None = None,
    owner: str | None = None,
    resume: dict[str, Any] | None = None,
    unless_keyed: bool = False,
) -> ConnectorCall | None:
    """Log a processor call before it is made (in the request's transaction): one INSERT, with the run's
    `request_key`, `owner` and `resume` when the caller has them. With `unless_keyed`, nothing is written when
    a call under `key` is logged already (None): still one round trip, where looking for it first took two."""
    values = {
        "payment_intent_id": payment_intent_id,
        "operation": operation,
        "idempotency_key": key,
        "amount": amount,
        "status": "started",
        "result": None,
        "created": ctx.now,
        "completed": None,
        "request_key": request_key,
        "owner": owner,
        "resume": resume,
    }
    if unless_keyed:
        return await repository.add_call_unless_keyed(ctx.session, values)
    call = ConnectorCall(**values)
    ctx.session.add(call)
    await ctx.session.flush()
    return call


def complete_call(call: ConnectorCall, result: AuthorizeResult | OperationResult | DebitResult, now: int) -> None:
    """Log the processor's answer."""
    call.status, call.completed = str(result.status), now
    call.result = {
        "reference": result.reference,
        "code": result.code,
        "decline_code": result.decline_code if isinstance(result, AuthorizeResult) else None,
    }


def request_key_base(ctx: PaymentContext) -> str | None:
    """A base for this request's processor keys that its retry after a crash derives again (from the
    merchant's Idempotency-Key), or None when the request has none."""
    info = current_request.get()
    return info.processor_key_base(ctx.scope.merchant_id, ctx.scope.livemode) if info is not None else None


def retried_request_key(ctx: PaymentContext) -> str | None:
    """`request_key_base`, only when an earlier run of this request ended without a result: what its retry
    looks an attempt it left up by (`payments.recovery`); None, with no query, on a first run."""
    info = current_request.get()
    return request_key_base(ctx) if info is not None and info.retry else None


def attempt_key_base(ctx: PaymentContext, payment_intent_id: str) -> str:
    """What names a PaymentIntent's processor attempts (`{base}:authorize:{n}`, `{base}:debit:{n}`).

    An intent that existed before this request: its id (a rollback leaves its committed attempt count). One
    created by this request vanishes with a crash, so the request's Idempotency-Key names them, if it has one."""
    base = request_key_base(ctx) if payment_intent_id in ctx.created_here else None
    return base or payment_intent_id


def refused(operation: str, result: OperationResult) -> ProcessorDisagrees:
    """A processor's "no" to an operation Lynk had already found valid: logged, answered as a retryable 503."""
    logger.error("the processor refused a %s Lynk allows: %s (%s)", operation, result.code, result.reference)
    return ProcessorDisagrees(operation, result.message or result.code or "no reason given")


async def connector_call(method: Callable[[Q], Awaitable[R]], request: Q) -> R:
    """Call the processor; no answer becomes a retryable 503 and the transaction rolls back.

    A key the processor already holds for another question is a defect, surfaced as `ProcessorKeyConflict`."""
    require_committed_claim()  # a retry must find the claim its processor keys derive from
    owner = getattr(method, "__self__", method)
    operation = getattr(method, "__name__", "call")
    outcome = "error"
    began = time.perf_counter()
    with tracer.start_as_current_span(f"processor {operation}", kind=SpanKind.CLIENT) as span:
        try:
            result = await method(request)
            outcome = str(getattr(result, "status", None) or "answered")
            return result
        except ConnectorUnavailable:
            outcome = "unavailable"
            raise ProcessorUnavailable() from None
        except NoLiveProcessor:
            outcome = "not_configured"
            raise ProcessorNotConfigured() from None
        except IdempotencyKeyReused as reused:
            outcome = "key_conflict"
            logger.error("processor key %s came back with other parameters", reused.idempotency_key)
            raise ProcessorKeyConflict(reused.idempotency_key) from None
        finally:
            # The router says who served the call (`simulator`, `stripe`…) once it has chosen.
            processor = str(getattr(owner, "label", None) or type(owner).__name__.lower())
            span.set_attribute("lynk.processor", processor)
            span.set_attribute("lynk.outcome", outcome)
            metrics.PROCESSOR_CALLS.labels(processor, operation, outcome).inc()
            metrics.PROCESSOR_DURATION.labels(processor, operation).observe(time.perf_counter() - began)
