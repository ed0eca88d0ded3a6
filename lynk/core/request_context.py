"""The API request being served, if any: events record its id and idempotency key.

Set by the request wrapper in `lynk.wire.routing`; read by `lynk.events` so that every
event says which request caused it, as Stripe's `request: {id, idempotency_key}` does.
Work outside a request (jobs, the CLI) leaves it unset and events carry nulls.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    idempotency_key: str | None


current_request: ContextVar[RequestInfo | None] = ContextVar("lynk_current_request", default=None)
