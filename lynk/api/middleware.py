"""ASGI middleware: a `Request-Id` on every response, `Stripe-Version` echoed, card data and Link
session secrets in a query string refused (before anything reads them), a database too busy to answer turned into a 503
to retry, any other unexpected exception into Stripe's `api_error` (logged, never leaked), and the
request line (`access`)."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lynk.api import access
from lynk.core.config import API_VERSION
from lynk.core.errors import ApiError, LynkError, ParameterInvalid, ServiceUnavailable
from lynk.core.ids import new_id
from lynk.vault.redaction import SENSITIVE_NAMES
from lynk.wire.responses import JSON_TYPE, error_body, error_headers

log = logging.getLogger("lynk.api")
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cut by statement_timeout


def _database_busy(exc: Exception) -> LynkError | None:
    """A 503 the client may retry, for no free connection in time or a statement that ran too long."""
    canceled = isinstance(exc, DBAPIError) and QUERY_CANCELED in (
        getattr(exc.orig, "sqlstate", None),
        getattr(exc.orig, "pgcode", None),
    )
    if isinstance(exc, PoolTimeout) or canceled:
        return ServiceUnavailable(
            "Lynk is too busy to answer right now (no database connection came free in time). Nothing was "
            "done; retry the request, with the same Idempotency-Key.",
            code="database_busy",
        )
    return None


# What may only travel in a request body: card data, and a Link consumer session's secret.
BODY_ONLY = SENSITIVE_NAMES | {"consumer_session_client_secret"}


def secret_in_query(query: bytes) -> str | None:
    """The first parameter of the query string that holds card data or a consumer session secret."""
    if not query:  # most requests have none
        return None
    for name, _value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        last = name.rstrip("]").rpartition("[")[2]
        if last.strip().lower() in BODY_ONLY:
            return name
    return None


class SecretInUrl(ParameterInvalid):
    def __init__(self, param: str) -> None:
        super().__init__(
            "Card numbers, CVCs, bank account numbers and Link session secrets must be sent in the request "
            f"body, never in the URL: remove {param} from the query string (URLs end up in logs and browser "
            "histories).",
            param=param,
        )


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_id("req", 14)
        scope.setdefault("state", {})["request_id"] = request_id
        requested_version = None
        for name, value in scope.get("headers", []):
            if name == b"stripe-version":
                requested_version = value.decode("latin-1")[:64]

        started = False
        status = 500
        began = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                access.answering(scope)
                headers = list(message.get("headers", []))
                headers.append((b"request-id", request_id.encode()))
                headers.append((b"stripe-version", (requested_version or API_VERSION).encode("latin-1")))
                message["headers"] = headers
            await send(message)

        sensitive = secret_in_query(scope.get("query_string", b""))
        if sensitive is not None:
            await _send_error(send_with_headers, SecretInUrl(sensitive), 400)
            return
        try:
            await self.app(scope, receive, send_with_headers)
        except ClientDisconnect:
            log.info("client went away during request %s", request_id)
            status = 499  # as proxies count it: nobody was there to answer
            return
        except Exception as exc:
            busy = _database_busy(exc)
            if busy is None:
                log.exception("unexpected error in request %s", request_id)
            else:
                log.warning("database busy in request %s: %s", request_id, type(exc).__name__)
            if started:
                raise
            error = busy or ApiError(
                f"An unexpected error occurred (request {request_id}). The operator can find it in the logs."
            )
            await _send_error(send_with_headers, error, error.http_status)
        finally:
            access.record(scope, status, time.perf_counter() - began)


async def _send_error(send: Send, error: LynkError, status: int) -> None:
    body = error_body(error)
    headers = [(b"content-type", JSON_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error_headers(error).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
