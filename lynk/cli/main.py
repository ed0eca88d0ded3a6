"""`lynk`: serve, migrate, merchants, keys, demo, maintenance. Commands call services."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.cli import demo as demo_seed
from lynk.core import migrate as migrations
from lynk.core.clock import SystemClock, unix
from lynk.core.config import DEFAULT_PORT, Settings
from lynk.core.db import Database
from lynk.core.errors import LynkError
from lynk.idempotency import service as idempotency
from lynk.merchants import service as merchants

app = typer.Typer(help="Lynk: an open payment-method network with a Stripe-compatible API.", no_args_is_help=True)
merchants_app = typer.Typer(help="Create merchants.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
idempotency_app = typer.Typer(help="Idempotency key upkeep.", no_args_is_help=True)
app.add_typer(merchants_app, name="merchants")
app.add_typer(keys_app, name="keys")
app.add_typer(idempotency_app, name="idempotency")

T = TypeVar("T")


def _settings() -> Settings:
    settings = Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings


def _in_transaction(work: Callable[[AsyncSession, int], Awaitable[T]]) -> T:
    """Run `work(session, now)` in one committed transaction, or exit with the error.

    Pending migrations are applied first, as `lynk serve` does, so a command works on a
    fresh database too.
    """
    settings = _settings()
    migrations.upgrade(settings.resolved_database_url)

    async def run() -> T:
        db = Database(settings.resolved_database_url, pool_size=1)
        try:
            async with db.transaction() as session:
                return await work(session, unix(SystemClock()))
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except LynkError as error:
        typer.secho(f"error: {error.message}", fg="red", err=True)
        raise typer.Exit(1) from None


def _print(payload: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
    else:
        for line in lines:
            typer.echo(line)


@app.command()
def migrate() -> None:
    """Apply pending database migrations."""
    migrations.upgrade(_settings().resolved_database_url)
    typer.echo("Database is up to date.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = DEFAULT_PORT,
    workers: Annotated[int, typer.Option(help="Server processes")] = 1,
    worker: Annotated[bool, typer.Option("--worker/--no-worker", help="Run background jobs in-process")] = True,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate", help="Apply migrations at start")] = True,
) -> None:
    """Serve the API (and, unless --no-worker, the background jobs)."""
    import uvicorn

    settings = _settings()
    if migrate_first:
        migrations.upgrade(settings.resolved_database_url)
    os.environ["LYNK_INPROCESS_WORKER"] = "true" if worker else "false"
    typer.echo(f"Lynk serving on http://{host}:{port} (API under /v1, OpenAPI at /openapi.json)")
    uvicorn.run(
        "lynk.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


@merchants_app.command("create")
def merchants_create(
    name: Annotated[str, typer.Option(help="The merchant's name")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Create a merchant with a test-mode key pair (shown once)."""
    if not name.strip():
        typer.secho("error: --name must not be empty", fg="red", err=True)
        raise typer.Exit(2)
    merchant, keys = _in_transaction(lambda s, now: merchants.create_merchant(s, name, now=now))
    payload = {
        "id": merchant.id,
        "name": merchant.name,
        "secret_key": keys.secret_key,
        "publishable_key": keys.publishable_key,
    }
    _print(
        payload,
        as_json,
        [
            f"Merchant {merchant.id} ({merchant.name})",
            f"  secret key:      {keys.secret_key}",
            f"  publishable key: {keys.publishable_key}",
            "Keys are shown only now; store them safely.",
        ],
    )


@keys_app.command("create")
def keys_create(
    merchant: Annotated[str, typer.Option(help="The merchant id (acct_…)")],
    live: Annotated[bool, typer.Option("--live", help="Live-mode keys instead of test-mode")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Create another key pair for a merchant (shown once)."""
    keys = _in_transaction(lambda s, now: merchants.create_keys(s, merchant, livemode=live, now=now))
    payload = {
        "merchant": merchant,
        "livemode": keys.livemode,
        "secret_key": keys.secret_key,
        "secret_key_id": keys.secret_key_id,
        "publishable_key": keys.publishable_key,
        "publishable_key_id": keys.publishable_key_id,
    }
    _print(
        payload,
        as_json,
        [
            f"{'Live' if live else 'Test'}-mode keys for {merchant}",
            f"  secret key:      {keys.secret_key}  ({keys.secret_key_id})",
            f"  publishable key: {keys.publishable_key}  ({keys.publishable_key_id})",
        ],
    )


@keys_app.command("list")
def keys_list(merchant: Annotated[str, typer.Option(help="The merchant id (acct_…)")]) -> None:
    """List a merchant's keys, redacted."""
    keys = _in_transaction(lambda s, now: merchants.list_keys(s, merchant))
    for key in keys:
        state = "revoked" if key.revoked_at else "active"
        typer.echo(f"{key.id}  {key.redacted:<24} {'live' if key.livemode else 'test'}  {state}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id (key_…)")]) -> None:
    """Revoke a key: it stops working at once."""
    key = _in_transaction(lambda s, now: merchants.revoke_key(s, key_id, now=now))
    typer.echo(f"Revoked {key.id} ({key.redacted}).")


@idempotency_app.command("purge")
def idempotency_purge() -> None:
    """Delete idempotency keys older than the retention window (24 h)."""
    settings = _settings()

    async def run() -> int:
        db = Database(settings.resolved_database_url, pool_size=1)
        try:
            return await idempotency.purge_expired(
                db, now=unix(SystemClock()), retention_seconds=settings.idempotency_retention_seconds
            )
        finally:
            await db.dispose()

    typer.echo(f"Purged {asyncio.run(run())} expired idempotency keys.")


@app.command()
def demo(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False) -> None:
    """Seed the demo merchant and print its keys and what to open."""
    settings = _settings()
    seeded = _in_transaction(lambda s, now: demo_seed.seed(s, settings, now=now))
    _print(seeded, as_json, demo_seed.describe(seeded, settings))


if __name__ == "__main__":
    app()
