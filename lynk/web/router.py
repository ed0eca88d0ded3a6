"""Page routes with CSRF on by default: every POST is checked (csrf.py) before its handler runs, unless the
route says `csrf=False` and checks what it needs itself (an embedded checkout proving itself by its secret).

A form POST (`application/x-www-form-urlencoded`, at most 16 KiB, 50 fields; or multipart/form-data with files,
for a route that says how many it takes) is parsed once here and the handler reads it with `form_of(request)`;
a script's JSON POST brings its token in the `X-CSRF-Token` header.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lynk.core.errors import LynkError
from lynk.web.csrf import PolicyOf, policy_for
from lynk.wire.uploads import read_parts

MAX_FORM_BYTES = 16_384
Handler = Callable[..., Awaitable[Response]]
Refusal = Callable[[Request], Response]


async def _read_form(request: Request, max_files: int = 0) -> dict[str, str] | None:
    if max_files and request.headers.get("content-type", "").startswith("multipart/form-data"):
        try:
            texts, _uploads = await read_parts(request, max_files=max_files)  # files: `uploads_of(request)`
        except LynkError:
            return None
        return {key: value for key, value in reversed(texts)}  # the first of a repeated field, as parse_qs
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    try:
        parsed = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: values[0] for key, values in parsed.items()}


def form_of(request: Request) -> dict[str, str]:
    """The POSTed form the route checked (empty for a JSON post)."""
    form: dict[str, str] | None = getattr(request.state, "form", None)
    return form or {}


def _request_in(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Request:
    for value in (*args, *kwargs.values()):
        if isinstance(value, Request):
            return value
    raise TypeError("a page handler takes the request")


class PageRouter:
    """An APIRouter (kept out of the OpenAPI schema) whose POST routes check CSRF unless told not to."""

    def __init__(self, csrf: PolicyOf, refused: Refusal) -> None:
        self.router = APIRouter(include_in_schema=False)
        self.csrf = csrf
        self.refused = refused

    def route(self, method: str, *paths: str, csrf: bool = True, max_files: int = 0) -> Callable[[Handler], Handler]:
        checked = csrf and method != "GET"

        def register(handler: Handler) -> Handler:
            endpoint = self._checked(handler, max_files) if checked else handler
            for path in paths:
                self.router.add_api_route(path, endpoint, methods=[method])
            return handler

        return register

    def get(self, *paths: str) -> Callable[[Handler], Handler]:
        return self.route("GET", *paths)

    def post(self, *paths: str, csrf: bool = True, max_files: int = 0) -> Callable[[Handler], Handler]:
        """`max_files`: the form may be multipart/form-data with up to that many files (its body limit is set
        in api/body_limit.py's caller); the handler reads them with `wire.uploads.uploads_of`."""
        return self.route("POST", *paths, csrf=csrf, max_files=max_files)

    def _checked(self, handler: Handler, max_files: int = 0) -> Handler:
        @functools.wraps(handler)  # FastAPI reads the handler's own signature through __wrapped__
        async def endpoint(*args: Any, **kwargs: Any) -> Response:
            request = _request_in(args, kwargs)
            form = await _read_form(request, max_files)
            request.state.form = form
            if not policy_for(self.csrf, request).passes(request, form):
                return self.refused(request)
            return await handler(*args, **kwargs)

        return endpoint
