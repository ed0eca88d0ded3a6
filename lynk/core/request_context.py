"""The API request being served, if any: events record its id and idempotency key.

Set by the request wrapper in `lynk.wire.routing`; read by `lynk.events` so that every
event says which request caused it, as Stripe's `request: {id, idempotency_key}` does.
Work outside a request (jobs, the CLI) leaves it unset and events carry nulls.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    idempotency_key: str | None
    # When the request's Idempotency-Key was first claimed: with the key, it names this request across a crash.
    idempotency_claimed: int | None = None
    # An earlier run of this request ended without a result (it may have left an attempt to take over).
    retry: bool = False

    def processor_key_base(self, merchant_id: str, livemode: bool) -> str | None:
        """A base for processor idempotency keys that a retry of this request after a crash derives again.

        None without an Idempotency-Key. Hashed, so the merchant's key never reaches the processor."""
        if self.idempotency_key is None or self.idempotency_claimed is None:
            return None
        source = f"{merchant_id}|{livemode}|{self.idempotency_claimed}|{self.idempotency_key}"
        return "rq_" + hashlib.sha256(source.encode()).hexdigest()[:32]


current_request: ContextVar[RequestInfo | None] = ContextVar("lynk_current_request", default=None)
