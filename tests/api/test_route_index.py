"""The route index (api/route_index.py) picks the route FastAPI's router would pick, for every route of the
app, and leaves everything else (404, 405, a mount, a root path) to the router, unchanged."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from lynk.api import route_index
from lynk.api.app import create_app
from lynk.api.route_index import ANY, RouteIndex, path_key
from lynk.core.config import Settings
from lynk.vault.keyring import new_key_text


@pytest.mark.parametrize(
    ("path_format", "key"),
    [
        ("/healthz", ("healthz", None)),
        ("/", ("", None)),
        ("/v1/customers", ("v1", "customers")),
        ("/v1/customers/{id}", ("v1", "customers")),
        ("/v1/customers/search", ("v1", "customers")),
        ("/3ds/{intent_id}", ("3ds", ANY)),
        ("/v1/{anything}", ("v1", ANY)),
        ("/v1/pre_{id}", ("v1", ANY)),
        ("/{tenant}/v1", (ANY, ANY)),
        ("/t_{tenant}/v1", (ANY, ANY)),
        ("/static/checkout/{path}", ("static", "checkout")),
    ],
)
def test_what_a_path_fixes(path_format: str, key: tuple[object, object]) -> None:
    assert path_key(path_format) == key


def _router_choice(routes: list[BaseRoute], scope: Scope) -> BaseRoute | None:
    """Starlette's rule: the first route that matches fully."""
    for route in routes:
        if route.matches(dict(scope))[0] is Match.FULL:
            return route
    return None


def test_every_route_of_the_app_is_reached_through_the_index(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path}/lynk.db", master_key=new_key_text()))
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    candidates = index.current()
    tried = 0
    for context in iter_route_contexts(app.router.routes):
        assert context.path_format is not None
        path = re.sub(r"\{(\w+)(:\w+)?\}", r"x_\1", context.path_format)  # each parameter given a value
        for method in sorted(context.methods or {"GET"}):
            scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
            chosen = _router_choice(app.router.routes, scope)
            assert chosen is not None, (method, path)
            picked = _router_choice(list(candidates.of(path)), scope)
            assert picked is chosen, (method, path)
            tried += 1
    assert tried > 200
    # And it narrows: no request tries more than a few of the app's entries.
    assert max(len(entries) for entries in candidates.pairs.values()) <= 3
    assert len(candidates.of("/v1/link/consumers/lookup")) < len(app.router.routes) / 10


def _sample_app(*, indexed: bool, static: Path) -> FastAPI:
    app = FastAPI(redirect_slashes=False)
    items = APIRouter(tags=["items"])

    @items.get("/v1/items/{item_id}")
    async def get_item(item_id: str) -> dict[str, str]:
        return {"route": "item", "id": item_id}

    @items.post("/v1/items/{item_id}/confirm")
    async def confirm(item_id: str) -> dict[str, str]:
        return {"route": "confirm", "id": item_id}

    @items.get("/v1/items/search")  # after the parameter: `/v1/items/search` is an item, as the router says
    async def search() -> dict[str, str]:
        return {"route": "search"}

    nested = APIRouter()

    @nested.get("/deep/{rest:path}")
    async def deep(rest: str) -> dict[str, str]:
        return {"route": "deep", "rest": rest}

    prefixed = APIRouter()
    prefixed.include_router(nested, prefix="/nested")

    @app.get("/{tenant}/open")
    async def open_route(tenant: str) -> dict[str, str]:
        return {"route": "open", "tenant": tenant}

    app.include_router(items)
    app.include_router(prefixed, prefix="/v2")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"route": "healthz"}

    @app.exception_handler(405)
    async def not_allowed(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": "shaped 405"}, status_code=405)

    @app.get("/plain")
    async def plain() -> PlainTextResponse:
        return PlainTextResponse("plain")

    app.mount("/static", StaticFiles(directory=static), name="static")
    if indexed:
        route_index.install(app)
    return app


REQUESTS = [
    ("GET", "/v1/items/it_1"),
    ("GET", "/v1/items/search"),
    ("POST", "/v1/items/it_1/confirm"),
    ("GET", "/v1/items/it_1/confirm"),  # 405, through the app's handler
    ("DELETE", "/v1/items/it_1"),
    ("GET", "/v1/items/"),  # no redirect: 404
    ("GET", "/v1/nothing"),
    ("GET", "/v2/nested/deep/a/b/c"),
    ("GET", "/acme/open"),
    ("GET", "/healthz"),
    ("GET", "/healthz/"),
    ("GET", "/plain"),
    ("GET", "/static/hello.txt"),
    ("GET", "/static/missing.txt"),
    ("GET", "/"),
]


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def test_answers_are_the_routers(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hello")
    plain_app, indexed_app = _sample_app(indexed=False, static=tmp_path), _sample_app(indexed=True, static=tmp_path)

    async def run() -> None:
        async with _client(plain_app) as plain, _client(indexed_app) as indexed:
            for method, path in REQUESTS:
                expected, got = await plain.request(method, path), await indexed.request(method, path)
                assert (got.status_code, got.content) == (expected.status_code, expected.content), (method, path)
                assert got.headers.get("allow") == expected.headers.get("allow"), (method, path)
                assert got.headers.get("content-type") == expected.headers.get("content-type"), (method, path)
            assert (await indexed.get("/v1/items/it_1")).json() == {"route": "item", "id": "it_1"}
            assert (await indexed.get("/v1/items/it_1/confirm")).status_code == 405

    asyncio.run(run())
    assert indexed_app.openapi() == plain_app.openapi()


def test_only_what_it_cannot_take_reaches_the_router(tmp_path: Path) -> None:
    app = _sample_app(indexed=True, static=tmp_path)
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    reached: list[str] = []
    router_app = index.fallback

    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["path"])
        await router_app(scope, receive, send)

    index.fallback = counted

    async def run() -> list[int]:
        async with _client(app) as client:
            paths = ["/v1/items/it_1", "/v2/nested/deep/x", "/acme/open", "/v1/nothing", "/healthz"]
            statuses = [(await client.get(path)).status_code for path in paths]
            return [*statuses, (await client.post("/v1/items/it_1")).status_code]

    assert asyncio.run(run()) == [200, 200, 200, 404, 200, 405]
    assert reached == ["/v1/nothing", "/v1/items/it_1"]  # a 404 and a 405: the router answers them

    async def behind_a_prefix() -> int:
        transport = httpx.ASGITransport(app=app, root_path="/api")
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get("/api/v1/items/it_1")).status_code

    assert asyncio.run(behind_a_prefix()) == 200
    assert reached[-1] == "/api/v1/items/it_1"  # a root path is the router's to strip

    async def traced(scope: Scope, receive: Receive, send: Send) -> None:
        scope["fastapi.telemetry"] = object()  # as FastAPI's telemetry leaves it when it is on
        await app(scope, receive, send)

    async def with_telemetry() -> list[int]:
        transport = httpx.ASGITransport(app=traced)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [(await client.get(path)).status_code for path in ("/v1/items/it_1", "/healthz")]

    del reached[:]
    assert asyncio.run(with_telemetry()) == [200, 200]
    assert reached == ["/healthz"]  # an app's own route: the router notes its path for the telemetry


def test_a_route_added_later_is_indexed(tmp_path: Path) -> None:
    app = _sample_app(indexed=True, static=tmp_path)

    @app.get("/v1/later")
    async def later() -> dict[str, str]:
        return {"route": "later"}

    async def run() -> httpx.Response:
        async with _client(app) as client:
            return await client.get("/v1/later")

    assert asyncio.run(run()).json() == {"route": "later"}
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    assert app.router.routes[-1] in index.current().of("/v1/later")
