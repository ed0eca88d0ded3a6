"""The app factory: wires settings, database, clock, routers and error handling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from lynk import __version__
from lynk.account import pages as account_pages
from lynk.api import expansions, maintenance
from lynk.api.errors import install_error_handlers
from lynk.api.middleware import RequestIdMiddleware
from lynk.api.test_clocks import routes as test_clock_routes
from lynk.checkout import pages as checkout_pages
from lynk.checkout.endpoints import routes as checkout_routes
from lynk.core.clock import Clock, SystemClock
from lynk.core.config import Settings
from lynk.core.db import Database
from lynk.customers.endpoints import routes as customer_routes
from lynk.disputes.endpoints import routes as dispute_routes
from lynk.events.endpoints import routes as event_routes
from lynk.ledger.endpoints import routes as ledger_routes
from lynk.link import limits as link_limits
from lynk.link.endpoints import routes as link_routes
from lynk.link.wallet_endpoints import routes as link_wallet_routes
from lynk.merchants import service as merchants
from lynk.models import KeyKind
from lynk.payment_methods.endpoints import routes as payment_method_routes
from lynk.payments import challenge
from lynk.payments.charge_endpoints import routes as charge_routes
from lynk.payments.endpoints import routes as payment_routes
from lynk.payments.refund_endpoints import routes as refund_routes
from lynk.payments.setup_intents.endpoints import routes as setup_intent_routes
from lynk.products.endpoints import routes as product_routes
from lynk.radar.endpoints import routes as radar_routes
from lynk.vault import logfilter
from lynk.vault.keyring import Keyring
from lynk.webhooks.endpoints import routes as webhook_routes
from lynk.wire.routing import Caller, Runtime

ROUTERS = [
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
    checkout_routes,
    dispute_routes,
    radar_routes,
    test_clock_routes,
    link_routes,
    link_wallet_routes,
]


async def _authenticate(db: Database, raw_key: str) -> Caller | None:
    found = await merchants.authenticate(db, raw_key)
    if found is None:
        return None
    return Caller(scope=found.scope, key_id=found.key_id, secret=found.kind == KeyKind.SECRET)


def make_runtime(settings: Settings, database: Database, clock: Clock | None = None) -> Runtime:
    """What requests and background jobs share (`lynk worker` builds one without the app)."""
    runtime = Runtime(
        settings=settings,
        db=database,
        clock=clock or SystemClock(),
        authenticate=_authenticate,
        keyring=Keyring(settings),
    )
    expansions.register(runtime.expander)
    return runtime


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, db: Database | None = None) -> FastAPI:
    logfilter.install()
    settings = settings or Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    database = db or Database(settings.resolved_database_url)
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
        if db is None:
            await database.dispose()

    app = FastAPI(
        title="Lynk API",
        version=__version__,
        description="Stripe-compatible API of a Lynk network. Bodies are form-encoded with bracket notation.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        redirect_slashes=False,  # `/v1/customers/` is a Stripe-shaped 404, not a bare redirect
    )
    app.state.runtime = runtime
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)
    for routes in ROUTERS:
        app.include_router(routes.router)
    app.include_router(challenge.router)
    checkout_pages.install(app)
    account_pages.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Any:
        return JSONResponse({"status": "ok", "version": __version__})

    _describe_security(app)
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
