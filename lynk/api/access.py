"""The request line: each answered request counted in the metrics (route template, status, duration)
and logged (`lynk.access`, event `request`, with the request id, the merchant and mode once
authenticated, method, route, status and duration in ms: fields of the JSON log, `lynk.api.logs`).

The route is the template the request matched (`/v1/customers/{id}`), never the path itself, so no id
reaches a label; a request that matched no route is `unmatched`. `RequestIdMiddleware` calls `record`
once per request, after the answer (a 500 included).
"""

from __future__ import annotations

import logging

from opentelemetry import trace
from prometheus_client import Counter, Histogram
from starlette.types import Scope

from lynk.core import metrics

log = logging.getLogger("lynk.access")


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


def answering(scope: Scope) -> None:
    """The answer starts: the request's span (when traces are on; it ends with the answer's body) gets
    the request id, and the merchant and mode once a key was accepted."""
    span = trace.get_current_span()
    if not span.is_recording():
        return
    state = scope.get("state") or {}
    span.set_attribute("lynk.request_id", str(state.get("request_id")))
    livemode = state.get("livemode")
    if livemode is not None:
        span.set_attribute("lynk.merchant_id", str(state.get("merchant_id")))
        span.set_attribute("lynk.mode", metrics.mode(livemode))


# Each (method, route, status)'s counter and histogram, looked up once: `labels()` validates and locks on every call.
_series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def _series_of(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    found = _series.get((method, route, status))
    if found is None:
        labels = (method, route, str(status))
        found = _series[method, route, status] = (
            metrics.HTTP_REQUESTS.labels(*labels),
            metrics.HTTP_DURATION.labels(*labels),
        )
    return found


def record(scope: Scope, status: int, seconds: float) -> None:
    route, method = route_of(scope), scope["method"]
    requests, durations = _series_of(method, route, status)
    requests.inc()
    durations.observe(seconds)
    if not log.isEnabledFor(logging.INFO):  # no line wanted (the text log's request line is uvicorn's)
        return
    state = scope.get("state") or {}
    livemode = state.get("livemode")
    log.info(
        "request",
        extra={
            "request_id": state.get("request_id"),
            "merchant_id": state.get("merchant_id"),
            "mode": None if livemode is None else metrics.mode(livemode),
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        },
    )
