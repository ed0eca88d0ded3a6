"""Exception handlers: every error leaves as Stripe's error JSON, never as HTML.

Unexpected exceptions become `api_error` in `lynk.api.middleware`."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lynk.core.errors import InvalidRequestError, LynkError, UnrecognizedUrl
from lynk.wire.routing import error_response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LynkError)
    async def _lynk_error(request: Request, exc: LynkError) -> Response:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405):
            return error_response(UnrecognizedUrl(f"Unrecognized request URL ({request.method}: {request.url.path})."))
        return error_response(InvalidRequestError(str(exc.detail)))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(InvalidRequestError("Invalid request."))
