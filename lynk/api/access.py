"""The request line: each answered request counted in the metrics (route template, status, duration).

The route is the template the request matched (`/v1/customers/{id}`), never the path itself, so no id
reaches a label; a request that matched no route is `unmatched`. `RequestIdMiddleware` calls `record`
once per request, after the answer (a 500 included).
"""

from __future__ import annotations

from starlette.types import Scope

from lynk.core import metrics


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


def record(scope: Scope, status: int, seconds: float) -> None:
    route, method = route_of(scope), scope["method"]
    metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
    metrics.HTTP_DURATION.labels(method, route, str(status)).observe(seconds)
