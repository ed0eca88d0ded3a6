"""What every payments use case needs (the transaction, the scope, the vault keyring, the connector),
and the one way to call the processor: logged before, answered after, no answer a retryable 503."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.connectors import AuthorizeResult, Connector, ConnectorUnavailable, DebitResult, OperationResult
from lynk.core import metrics
from lynk.core.config import Settings
from lynk.core.scope import Scope
from lynk.ledger.fees import DEFAULT_FEES, FeeSchedule
from lynk.models import ConnectorCall
from lynk.payments.errors import ProcessorUnavailable
from lynk.vault.keyring import Keyring


@dataclass(frozen=True)
class ClientInfo:
    """The browser or server that made the request: a mandate records it as the shopper's consent."""

    ip_address: str | None
    user_agent: str | None


@dataclass
class PaymentContext:
    session: AsyncSession
    scope: Scope
    keyring: Keyring
    connector: Connector
    now: int
    public_url: str
    fees: FeeSchedule = DEFAULT_FEES
    # How long after confirmation a bank debit is asked for the bank's verdict (Settings).
    bank_settlement_seconds: int = 180
    dispute_evidence_seconds: int = 7 * 24 * 3600
    client: ClientInfo | None = None


def configured(settings: Settings) -> dict[str, Any]:
    """The PaymentContext fields an operator configures: `PaymentContext(..., **configured(settings))`."""
    return {
        "public_url": settings.public_url,
        "fees": FeeSchedule(settings.ach_fee_bps, settings.ach_fee_cap, settings.dispute_fee),
        "bank_settlement_seconds": settings.bank_debit_settlement_seconds,
        "dispute_evidence_seconds": settings.dispute_evidence_seconds,
    }


tracer = trace.get_tracer("lynk.payments")
R = TypeVar("R")
Q = TypeVar("Q")


async def record_call(
    ctx: PaymentContext, *, operation: str, payment_intent_id: str, key: str, amount: int
) -> ConnectorCall:
    """Log a processor call before it is made (in the request's transaction)."""
    call = ConnectorCall(
        payment_intent_id=payment_intent_id,
        operation=operation,
        idempotency_key=key,
        amount=amount,
        status="started",
        result=None,
        created=ctx.now,
        completed=None,
    )
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


async def connector_call(method: Callable[[Q], Awaitable[R]], request: Q) -> R:
    """Call the processor; no answer becomes a retryable 503 and the transaction rolls back."""
    processor = type(getattr(method, "__self__", method)).__name__.lower()
    operation = getattr(method, "__name__", "call")
    outcome = "error"
    began = time.perf_counter()
    with tracer.start_as_current_span(f"processor {operation}", kind=SpanKind.CLIENT) as span:
        span.set_attribute("lynk.processor", processor)
        try:
            result = await method(request)
            outcome = str(getattr(result, "status", None) or "answered")
            return result
        except ConnectorUnavailable:
            outcome = "unavailable"
            raise ProcessorUnavailable() from None
        finally:
            span.set_attribute("lynk.outcome", outcome)
            metrics.PROCESSOR_CALLS.labels(processor, operation, outcome).inc()
            metrics.PROCESSOR_DURATION.labels(processor, operation).observe(time.perf_counter() - began)
