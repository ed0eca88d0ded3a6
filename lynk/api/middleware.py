"""ASGI middleware: a `Request-Id` on every response, `Stripe-Version` echoed, any unexpected
exception turned into Stripe's `api_error` (logged, never leaked), and the request line (`access`)."""

from __future__ import annotations

import logging
import time

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lynk.api import access
from lynk.core.config import API_VERSION
from lynk.core.errors import ApiError
from lynk.core.ids import new_id
from lynk.wire.responses import JSON_TYPE, error_body, error_headers

log = logging.getLogger("lynk.api")


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

        try:
            await self.app(scope, receive, send_with_headers)
        except ClientDisconnect:
            log.info("client went away during request %s", request_id)
            status = 499  # as proxies count it: nobody was there to answer
            return
        except Exception:
            log.exception("unexpected error in request %s", request_id)
            if started:
                raise
            await self._unexpected(request_id, send_with_headers)
        finally:
            access.record(scope, status, time.perf_counter() - began)

    @staticmethod
    async def _unexpected(request_id: str, send_with_headers: Send) -> None:
        error = ApiError(f"An unexpected error occurred (request {request_id}). The operator can find it in the logs.")
        body = error_body(error)
        headers = [(b"content-type", JSON_TYPE.encode()), (b"content-length", str(len(body)).encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in error_headers(error).items()]
        await send_with_headers({"type": "http.response.start", "status": 500, "headers": headers})
        await send_with_headers({"type": "http.response.body", "body": body})
