"""The app factory: wires settings, database, clock, routers and error handling."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from lynk import __version__
from lynk.account import pages as account_pages
from lynk.api import expansions, health, maintenance, route_index, tracing
from lynk.api import metrics as metrics_page
from lynk.api.body_limit import BodyLimitMiddleware
from lynk.api.errors import install_error_handlers
from lynk.api.middleware import RequestIdMiddleware
from lynk.api.test_clocks import routes as test_clock_routes
from lynk.checkout import pages as checkout_pages
from lynk.checkout.endpoints import routes as checkout_routes
from lynk.connectors import Simulator
from lynk.core.clock import Clock, SystemClock
from lynk.core.config import Settings
from lynk.core.db import Database
from lynk.core.errors import AuthenticationError
from lynk.customers.endpoints import routes as customer_routes
from lynk.dashboard import pages as dashboard_pages
from lynk.disputes.endpoints import routes as dispute_routes
from lynk.events.endpoints import routes as event_routes
from lynk.files.endpoints import routes as file_routes
from lynk.files.service import MAX_UPLOAD_BODY_BYTES
from lynk.ledger.endpoints import routes as ledger_routes
from lynk.link import limits as link_limits
from lynk.link.endpoints import routes as link_routes
from lynk.link.wallet_endpoints import routes as link_wallet_routes
from lynk.merchants import service as merchants
from lynk.merchants.endpoints import routes as account_routes
from lynk.models import KeyKind
from lynk.payment_methods.endpoints import routes as payment_method_routes
from lynk.payments import challenge, processor_hooks
from lynk.payments.charge_endpoints import routes as charge_routes
from lynk.payments.endpoints import routes as payment_routes
from lynk.payments.refund_endpoints import routes as refund_routes
from lynk.payments.setup_intents.endpoints import routes as setup_intent_routes
from lynk.processors.endpoints import routes as processor_routes
from lynk.products.endpoints import routes as product_routes
from lynk.radar.endpoints import routes as radar_routes
from lynk.runtime import Runtime
from lynk.simulation.store import DatabaseStore
from lynk.vault import logfilter
from lynk.vault.keyring import Keyring
from lynk.webhooks.endpoints import routes as webhook_routes
from lynk.wire.auth import Authenticator, Caller
from lynk.wire.routing import ApiWiring

log = logging.getLogger("lynk.api")

ROUTERS = [
    account_routes,
    customer_routes,
    payment_method_routes,
    payment_routes,
    charge_routes,
    refund_routes,
    setup_intent_routes,
    event_routes,
    ledger_routes,
    webhook_routes,
    product_routes,
    file_routes,
    processor_routes,
    checkout_routes,
    dispute_routes,
    radar_routes,
    test_clock_routes,
    link_routes,
    link_wallet_routes,
]

_FAVICON = (Path(__file__).parent / "static" / "favicon.svg").read_bytes()


def _authenticator(cache_seconds: float, clock: Clock) -> Authenticator:
    """Keys from a cache of this app's own (LYNK_AUTH_CACHE_SECONDS: how stale a revocation may be elsewhere),
    checked against the runtime's clock (a rolled key's expiry follows a test's shifted clock)."""
    cache = merchants.new_key_cache(cache_seconds)

    async def authenticate(db: Database, raw_key: str) -> Caller | None:
        found = await merchants.authenticate(db, raw_key, cache, now=clock.now())
        if found is None:
            return None
        return Caller(scope=found.scope, key_id=found.key_id, secret=found.kind == KeyKind.SECRET)

    return authenticate


def make_runtime(settings: Settings, database: Database, clock: Clock | None = None) -> Runtime:
    """What requests and background jobs share (`lynk worker` builds one without the app)."""
    return Runtime(
        settings=settings,
        db=database,
        clock=clock or SystemClock(),
        keyring=Keyring(settings),
        # Test mode's processor; its memory is in the database, so every process answers for every payment.
        connector=Simulator(latency_s=settings.simulator_latency_ms / 1000, store=DatabaseStore(database.url)),
    )


def make_wiring(runtime: Runtime) -> ApiWiring:
    """The API's key check (on the runtime's clock) and its expansions."""
    wiring = ApiWiring(authenticate=_authenticator(runtime.settings.auth_cache_seconds, runtime.clock))
    expansions.register(wiring.expander)
    return wiring


# The routes whose body may hold a file: the Files API and the dashboard's dispute evidence form.
UPLOAD_PATHS = frozenset({"/v1/files"})
UPLOAD_PAGE = re.compile(r"^/dashboard/disputes/[A-Za-z0-9_]{1,64}/evidence$")


def _body_limit(settings: Settings) -> Callable[[str], int]:
    def limit_for(path: str) -> int:
        if path in UPLOAD_PATHS or UPLOAD_PAGE.match(path):  # a body with one file in it
            return max(MAX_UPLOAD_BODY_BYTES, settings.max_body_bytes)
        return settings.max_body_bytes if path.startswith("/v1/") else settings.max_page_body_bytes

    return limit_for


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, db: Database | None = None) -> FastAPI:
    logfilter.install()
    settings = settings or Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    database = db or Database(
        settings.resolved_database_url,
        pool_timeout=settings.db_pool_timeout_seconds,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )
    runtime = make_runtime(settings, database, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs = (
            [
                asyncio.create_task(maintenance.run_forever(runtime)),
                asyncio.create_task(maintenance.run_worker(runtime)),
            ]
            if settings.inprocess_worker
            else []
        )
        yield
        for job in jobs:
            job.cancel()
        if jobs:
            await asyncio.gather(*jobs, return_exceptions=True)
        await link_limits.close_for(database)
        if isinstance(runtime.connector, Simulator):
            await runtime.connector.close()
        metrics_page.process_ended()
        tracing.stop()
        if db is None:
            await database.dispose()

    # /docs is Swagger UI served from Lynk itself (the assets ship in the fastapi-offline package): it
    # works offline and on a network that blocks CDNs.
    app = FastAPIOffline(
        title="Lynk API",
        version=__version__,
        description="Stripe-compatible API of a Lynk network. Bodies are form-encoded with bracket notation.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        redirect_slashes=False,  # `/v1/customers/` is a Stripe-shaped 404, not a bare redirect
    )
    app.state.runtime = runtime
    app.state.api = make_wiring(runtime)
    app.add_middleware(BodyLimitMiddleware, limit_for=_body_limit(settings))  # inside RequestIdMiddleware
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)
    for routes in ROUTERS:
        app.include_router(routes.router)
    app.include_router(challenge.router)
    app.include_router(processor_hooks.router)
    checkout_pages.install(app)
    account_pages.install(app)
    dashboard_pages.install(app)

    @app.get("/favicon.ico", include_in_schema=False)
    @app.get("/favicon.svg", include_in_schema=False)
    async def favicon() -> Response:  # the pages link /favicon.svg; browsers also ask /favicon.ico
        return Response(_FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Any:
        return JSONResponse({"status": "ok", "version": __version__})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Any:
        """Ready to serve: 200, or 503 naming the failing checks (their details go to the log, not out)."""
        checks = await health.readiness(runtime)
        for check in checks:
            if not check.ok:
                log.warning("not ready: %s: %s", check.name, check.detail)
        ready = all(check.ok for check in checks)
        body = {
            "status": "ready" if ready else "unavailable",
            "checks": {check.name: "ok" if check.ok else "failing" for check in checks},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    scrape = metrics_page.Scrape(settings, runtime.clock)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Any:
        """Only with the metrics token; otherwise as if there were no such page."""
        if not settings.metrics_token:
            raise StarletteHTTPException(404)
        if not metrics_page.authorized(settings, request.headers.get("authorization")):
            raise AuthenticationError("The metrics need `Authorization: Bearer` with the metrics token.")
        return Response(await metrics_page.render(scrape), media_type=metrics_page.CONTENT_TYPE)

    tracing.instrument(app, database)
    _describe_security(app)
    route_index.install(app)  # last: it indexes the routes added above
    return app


def create_served_app() -> FastAPI:
    """The app as `lynk serve` runs it in each of its processes: what start-up built is kept out of the garbage
    collector's full passes.

    Start-up leaves a large heap of objects that live as long as the process (modules, classes, routes, schemas,
    the OpenAPI models). A full collection walks every one of them, and every request waits while it does: such
    passes came about every 120 young collections in `bench/payments.py` (about one per 120 payments) and took
    about 130 ms each on an idle machine. Frozen (`gc.freeze`), they are left out, and a full pass walks only what
    came after: about 16 ms (bench/README.md)."""
    app = create_app()
    gc.collect()  # start-up's own garbage goes first, so that none of it is frozen
    gc.freeze()
    return app


def _describe_security(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "sk_test_… or sk_live_…"},
            "basic": {"type": "http", "scheme": "basic", "description": "The key as user, empty password"},
        }
        schema["security"] = [{"bearer": []}, {"basic": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
