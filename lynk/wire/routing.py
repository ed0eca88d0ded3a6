"""Routes that speak Stripe: auth, parameters, one transaction, idempotency, expand.

An endpoint is an `async def handler(call: ApiCall, params: P) -> dict` registered
with `StripeRouter.get/post/delete`. The wrapper around it, reading the process's `Runtime`
(`app.state.runtime`) and the API's `ApiWiring` (`app.state.api`):

1. authenticates the key (Bearer or Basic) through the app's `Authenticator` (`wire.auth`);
2. refuses a path id holding a NUL (no object has one, and PostgreSQL rejects it),
   then decodes the form body or query string and validates it into `P` (for a write,
   `expand[]` too: a request refused after its side effects would leave them behind);
3. opens one transaction; for a POST with `Idempotency-Key`, claims the key as its first work, or
   replays the stored result;
4. runs the handler in that transaction, expands, renders, stores the idempotent
   result in that same transaction and commits. A payment may commit earlier phases first
   (`core.db.end_phase`: its attempt, with the claim, before the processor is called); the last one holds
   the result. A handler that would call a processor before any commit (`core.db.ClaimNotDurable`) is run
   again with the key claimed in a short transaction of its own first.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.clock import unix
from lynk.core.db import ClaimNotDurable, forget_claim
from lynk.core.errors import LynkError, ParameterInvalid, RequestTooLarge
from lynk.core.request_context import RequestInfo, current_request
from lynk.core.scope import Scope
from lynk.idempotency import service as idempotency
from lynk.runtime import Runtime
from lynk.vault import redaction
from lynk.wire import client_safe, openapi
from lynk.wire.auth import Auth, Authenticator, Caller, authenticate
from lynk.wire.expand import Expander
from lynk.wire.forms import MalformedBody, decode_form
from lynk.wire.params import Params, parse_params
from lynk.wire.responses import JSON_TYPE, error_body, error_headers, render
from lynk.wire.uploads import read_multipart

P = TypeVar("P", bound=Params)
logger = logging.getLogger(__name__)


@dataclass
class ApiCall:
    """One API request in progress, handed to the endpoint handler."""

    request: Request
    runtime: Runtime
    session: AsyncSession
    caller: Caller
    now: int
    request_id: str
    path: dict[str, str]
    # Set on the response when the handler succeeds (Lynk's own cookies, such as the Link browser binding).
    cookies: list[Cookie] = field(default_factory=list)
    # Work that must happen only once the transaction has committed (sending a message), run in the background.
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def scope(self) -> Scope:
        return self.caller.scope


@dataclass
class ApiWiring:
    """What the API's routes need beside the process's `Runtime`, set on `app.state.api` by the app factory:
    how a key is checked, and what `expand[]` can follow."""

    authenticate: Authenticator
    expander: Expander[ApiCall] = field(default_factory=Expander)


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    max_age: int | None
    secure: bool
    http_only: bool = True
    same_site: Literal["lax", "strict", "none"] = "lax"
    path: str = "/"


_background: set[asyncio.Task[None]] = set()


def _run_after_commit(work: list[Callable[[], Awaitable[None]]]) -> None:
    for job in work:

        async def run(job: Callable[[], Awaitable[None]] = job) -> None:
            try:
                await job()
            except Exception:  # a failed send is logged, never shown to the caller (it committed)
                logger.exception("work after commit failed")

        task = asyncio.ensure_future(run())
        _background.add(task)
        task.add_done_callback(_background.discard)


Handler = Callable[[ApiCall, P], Awaitable[dict[str, Any]]]


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(f"The request body is too large: at most {limit} bytes are accepted.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(f"The request body is too large: at most {limit} bytes are accepted.")
        chunks.append(chunk)
    return b"".join(chunks)


def check_path(path: dict[str, str]) -> None:
    for name, value in path.items():
        if "\x00" in value:
            raise ParameterInvalid(f"Invalid {name}: it contains a NUL character, which no id has.", param=name)


# What parsing a URL cuts from (a fragment) or drops in its query string: only then is the whole URL built.
_URL_PARSE_CHANGES = re.compile(r"[#\t\r\n]")


def query_of(request: Request) -> str:
    """The query string as `request.url.query` reads it, without building the URL (a Host header parsed, the
    URL joined and split again) for the plain query strings of nearly every request."""
    query: str = request.scope.get("query_string", b"").decode()
    return request.url.query if _URL_PARSE_CHANGES.search(query) else query


async def read_params(request: Request, limit: int, *, uploads: bool = False) -> dict[str, Any]:
    query = decode_form(query_of(request))
    if request.method == "GET" or request.method == "DELETE":
        return query
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if uploads and content_type == "multipart/form-data":  # a route that takes a file (wire/uploads.py)
        body, _files = await read_multipart(request)
        for key, value in query.items():
            body.setdefault(key, value)
        return body
    if content_type in ("application/json", "multipart/form-data"):
        raise MalformedBody(
            f"Lynk's API takes application/x-www-form-urlencoded bodies, as Stripe's does; got {content_type}."
        )
    body = decode_form(await read_body(request, limit))
    for key, value in query.items():
        body.setdefault(key, value)
    return body


def _json_response(body: bytes, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(content=body, status_code=status, media_type=JSON_TYPE, headers=headers)


def _replayed(replay: idempotency.Replay) -> Response:
    return _json_response(replay.body, replay.status, {"Idempotent-Replayed": "true"})


def error_response(error: LynkError, hidden: list[str] | None = None) -> Response:
    body = redaction.scrub(error_body(error), hidden or [])
    return _json_response(body, error.http_status, error_headers(error))


@dataclass
class _Route(Generic[P]):
    method: str
    params: type[P]
    auth: Auth
    handler: Handler[P]
    # False for a route whose response holds a secret shown once: no stored result may keep a copy of it.
    idempotent: bool = True
    # The object the route returns when its path names one (`/v1/refunds/{id}` -> "refund"), for `expand`.
    returns: str | None = None
    # True for a route that takes a file in a multipart/form-data body (`POST /v1/files`).
    uploads: bool = False

    async def __call__(self, request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        wiring: ApiWiring = request.app.state.api
        request_id: str = request.state.request_id
        try:
            caller = await authenticate(request, runtime.db, wiring.authenticate, self.auth)
            request.state.merchant_id, request.state.livemode = caller.scope.merchant_id, caller.scope.livemode
            check_path(request.path_params)
            data = await read_params(request, runtime.settings.max_body_bytes, uploads=self.uploads)
            params = parse_params(self.params, data)
            if self.method != "GET":  # a write's side effects must not happen for a request refused afterwards
                wiring.expander.check(params.expand, self.returns)
        except LynkError as error:
            return error_response(error)
        # Card data sent in this request: masked in whatever body is returned or kept.
        hidden = redaction.sensitive_values(data)
        key = request.headers.get("idempotency-key") if self.method == "POST" and self.idempotent else None
        if key is None:  # a header sent empty is refused by the claim, never silently ignored
            return await self._run(request, runtime, caller, params, request_id, None, hidden)
        claim = idempotency.ClaimRequest(
            scope=caller.scope,
            key=key,
            fingerprint=await runtime.fingerprint(caller.scope, self.method, request.url.path, data),
            request_id=request_id,
            now=unix(runtime.clock),
            lock_seconds=runtime.settings.idempotency_lock_seconds,
            retention_seconds=runtime.settings.idempotency_retention_seconds,
        )
        try:  # the key claimed in the work transaction, committed with its first phase
            return await self._run(request, runtime, caller, params, request_id, claim, hidden)
        except ClaimNotDurable:
            pass  # a processor call came before the work's first commit: nothing left Lynk; run it again below
        try:  # with the key claimed and committed first, so a crash during the call leaves it for the retry
            claimed = await idempotency.claim(runtime.db, claim)
        except LynkError as error:
            return error_response(error)
        if isinstance(claimed, idempotency.Replay):
            return _replayed(claimed)
        try:
            return await self._run(request, runtime, caller, params, request_id, claimed, hidden)
        except BaseException:
            await idempotency.release(runtime.db, claimed)
            raise

    async def _handle(
        self, call: ApiCall, params: P, claimed: idempotency.Claim | None, hidden: list[str]
    ) -> tuple[LynkError | None, bytes]:
        """The handler, expanded and rendered, its answer stored with the claim in the same transaction: the
        body, or an error whose writes are the outcome (`keep_changes`, committed with it)."""
        try:
            result = await self.handler(call, params)
        except LynkError as error:
            if not error.keep_changes:
                raise
            if claimed is not None:
                kept_body = redaction.scrub(error_body(error), hidden)
                await idempotency.complete(call.session, claimed, error.http_status, kept_body)
            return error, b""
        if not call.caller.secret:
            client_safe.check_expand(result, params.expand)
        wiring: ApiWiring = call.request.app.state.api
        result = await wiring.expander.expand(call, result, params.expand)
        if not call.caller.secret:
            client_safe.reduce(result)
        body = redaction.scrub(render(result), hidden)
        if claimed is not None:
            await idempotency.complete(call.session, claimed, 200, body)
        return None, body

    async def _run(
        self,
        request: Request,
        runtime: Runtime,
        caller: Caller,
        params: P,
        request_id: str,
        claim: idempotency.Claim | idempotency.ClaimRequest | None,
        hidden: list[str],
    ) -> Response:
        """Run the handler in one transaction (or its phases). A `ClaimRequest` is claimed as the transaction's
        first work; a `Claim` was made (and committed) before."""
        claimed = claim if isinstance(claim, idempotency.Claim) else None
        key = request.headers.get("idempotency-key")
        token = None
        kept: LynkError | None = None
        call: ApiCall | None = None
        replay: idempotency.Replay | None = None
        try:
            async with runtime.db.phases(write=self.method != "GET") as session:
                if isinstance(claim, idempotency.ClaimRequest):
                    got = await idempotency.claim_in(session, claim)
                    replay, claimed = (got, None) if isinstance(got, idempotency.Replay) else (None, got)
                if replay is None:
                    retry = claimed is not None and claimed.retry
                    claimed_at = claimed.created if claimed is not None else None
                    token = current_request.set(RequestInfo(request_id, key, claimed_at, retry))
                    call = ApiCall(
                        request=request,
                        runtime=runtime,
                        session=session,
                        caller=caller,
                        now=unix(runtime.clock),
                        request_id=request_id,
                        path=dict(request.path_params),
                    )
                    kept, body = await self._handle(call, params, claimed, hidden)
        except LynkError as error:
            if claimed is not None:
                if error.before_execution or error.retryable:
                    await idempotency.release(runtime.db, claimed)
                else:
                    stored = redaction.scrub(error_body(error), hidden)
                    await idempotency.store_error(runtime.db, claimed, error.http_status, stored)
            return error_response(error, hidden)
        except ClaimNotDurable:
            raise  # rolled back with the claim: nothing to release; the caller runs the request again
        except BaseException:
            if claimed is not None and claimed is not claim:  # a claim made in the work: the caller knows none
                await idempotency.release(runtime.db, claimed)
            raise
        finally:
            if token is not None:
                current_request.reset(token)
            forget_claim()
        if replay is not None:
            return _replayed(replay)
        if kept is not None:
            return error_response(kept, hidden)
        response = _json_response(body, 200)
        if call is not None:
            for cookie in call.cookies:
                response.set_cookie(
                    cookie.name,
                    cookie.value,
                    max_age=cookie.max_age,
                    path=cookie.path,
                    secure=cookie.secure,
                    httponly=cookie.http_only,
                    samesite=cookie.same_site,
                )
            _run_after_commit(call.after_commit)
        return response


def _object_of(path: str) -> str | None:
    """The object a path's resource holds, by Stripe's naming: `/v1/checkout/sessions/{id}` -> "checkout.session"."""
    parts = [part for part in path.split("/")[2:] if part]
    if len(parts) > 1 and parts[0] == "checkout":
        parts = [f"checkout.{parts[1]}"]
    return parts[0][:-1] if parts and parts[0].endswith("s") else None


class StripeRouter:
    """A FastAPI router whose routes follow Stripe's conventions."""

    def __init__(self, *, tags: list[str]) -> None:
        self.router = APIRouter(tags=list(tags))

    def _add(
        self,
        method: str,
        path: str,
        params: type[P],
        auth: Auth,
        summary: str,
        idempotent: bool = True,
        uploads: bool = False,
    ) -> Callable[[Handler[P]], Handler[P]]:
        def decorate(handler: Handler[P]) -> Handler[P]:
            route = _Route(
                method=method,
                params=params,
                auth=auth,
                handler=handler,
                idempotent=idempotent,
                returns=_object_of(path),
                uploads=uploads,
            )
            extra = openapi.operation_extra(method, path, params, uploads=uploads)

            async def endpoint(request: Request) -> Response:
                return await route(request)

            endpoint.__name__ = handler.__name__
            endpoint.__doc__ = handler.__doc__
            self.router.add_api_route(
                path,
                endpoint,
                methods=[method],
                summary=summary,
                openapi_extra=extra,
                response_class=Response,
                responses={200: {"description": "The object", "content": {JSON_TYPE: {}}}},
            )
            return handler

        return decorate

    def get(
        self, path: str, *, params: type[P], summary: str, auth: Auth = Auth.SECRET
    ) -> Callable[[Handler[P]], Handler[P]]:
        return self._add("GET", path, params, auth, summary)

    def post(
        self,
        path: str,
        *,
        params: type[P],
        summary: str,
        auth: Auth = Auth.SECRET,
        idempotent: bool = True,
        uploads: bool = False,
    ) -> Callable[[Handler[P]], Handler[P]]:
        return self._add("POST", path, params, auth, summary, idempotent, uploads)

    def delete(
        self, path: str, *, params: type[P], summary: str, auth: Auth = Auth.SECRET
    ) -> Callable[[Handler[P]], Handler[P]]:
        return self._add("DELETE", path, params, auth, summary)
