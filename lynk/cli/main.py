"""`lynk`: serve, worker, listen, migrate, merchants, keys, demo, maintenance. Commands call services."""

from __future__ import annotations

import asyncio
import logging
import logging.config
import os
from typing import Annotated

import httpx
import typer

from lynk.cli import demo as demo_seed
from lynk.cli import doctor as doctoring
from lynk.cli import listen as listening
from lynk.cli import users as dashboard_users
from lynk.cli.common import in_transaction, load_settings, print_payload, run_with_db
from lynk.cli.processors import processors_app
from lynk.core import migrate as migrations
from lynk.core.clock import SystemClock, unix
from lynk.core.config import DEFAULT_PORT, Settings, public_url_mismatch, served_url
from lynk.core.db import Database
from lynk.idempotency import service as idempotency
from lynk.ledger import service as ledger
from lynk.merchants import service as merchants
from lynk.vault import keyring as vault_keys
from lynk.vault import logfilter
from lynk.vault import service as vault

logfilter.install()

app = typer.Typer(help="Lynk: an open payment-method network with a Stripe-compatible API.", no_args_is_help=True)
merchants_app = typer.Typer(help="Create merchants.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
idempotency_app = typer.Typer(help="Idempotency key upkeep.", no_args_is_help=True)
vault_app = typer.Typer(help="The card vault's master keys.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
app.add_typer(merchants_app, name="merchants")
app.add_typer(keys_app, name="keys")
app.add_typer(idempotency_app, name="idempotency")
app.add_typer(vault_app, name="vault")
app.add_typer(ledger_app, name="ledger")
app.add_typer(processors_app, name="processors")

dashboard_users.register(app)


@app.command()
def migrate() -> None:
    """Apply pending database migrations."""
    migrations.upgrade(load_settings().resolved_database_url)
    typer.echo("Database is up to date.")


@app.command()
def doctor() -> None:
    """Check the configuration (database, key, public URL, Redis, processors) and say what to fix."""
    try:
        settings = Settings()
        settings.resolved_database_url  # noqa: B018 (a bad URL fails here, with its reason)
    except ValueError as error:  # pydantic's ValidationError is one
        typer.secho(f"FAIL  configuration: {error}", fg="red")
        raise typer.Exit(1) from None
    ok, lines = doctoring.check(settings)
    for line in lines:
        typer.echo(line)
    typer.echo("Ready to start." if ok else "Fix the failing checks before starting Lynk.")
    if not ok:
        raise typer.Exit(1)


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

    from lynk.api import http_protocol, logs
    from lynk.api import metrics as metrics_page

    settings = load_settings()
    try:
        vault_keys.Keyring(settings)
    except vault_keys.MasterKeyNotConfigured as error:
        typer.secho(f"error: {error}", fg="red", err=True)
        raise typer.Exit(1) from None
    if migrate_first:
        migrations.upgrade(settings.resolved_database_url)
    os.environ["LYNK_INPROCESS_WORKER"] = "true" if worker else "false"
    if "public_url" not in settings.model_fields_set:  # links handed to browsers follow what is served
        os.environ["LYNK_PUBLIC_URL"] = served_url(host, port)
    elif problem := public_url_mismatch(settings.public_url, host, port):
        logging.getLogger("lynk.serve").warning(problem)
    typer.echo(f"Lynk serving on http://{host}:{port} (API under /v1, OpenAPI at /openapi.json)")
    typer.echo(f"Public URL (checkout and 3-D Secure links): {os.environ.get('LYNK_PUBLIC_URL', settings.public_url)}")
    if workers > 1:  # each server process keeps its metrics in files there; a scrape adds them up
        metrics_page.use_multiprocess_dir(settings.home)
    metrics_page.serve_port(settings, SystemClock())
    structured = logs.config(settings.log_format)
    uvicorn.run(
        "lynk.api.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # uvicorn kills a worker that does not answer its ping in 5 s, and one still importing Lynk on a busy
        # machine can't: `--workers 2` then restarts its workers forever. A hung worker is found a little later.
        timeout_worker_healthcheck=60,
        log_level="info",
        proxy_headers=False,
        # The loop stays "auto": uvloop (a pinned dependency) where it installs, else asyncio's; the protocol is
        # uvicorn's own (httptools, else h11) answering an unreadable request in Stripe's error shape.
        http=http_protocol.NAME,
        log_config=structured or uvicorn.config.LOGGING_CONFIG,
        access_log=structured is None,  # in JSON, Lynk's own request line replaces uvicorn's
    )


@app.command()
def worker(
    upkeep: Annotated[
        bool, typer.Option("--upkeep/--no-upkeep", help="Also run the upkeep jobs (purges, expiry, settlement)")
    ] = True,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate", help="Apply migrations at start")] = True,
) -> None:
    """Run the background jobs alone: webhook deliveries (and upkeep). Several may share a PostgreSQL database."""
    from lynk.api import app as api_app
    from lynk.api import logs, maintenance, tracing
    from lynk.api import metrics as metrics_page

    settings = load_settings()
    if migrate_first:
        migrations.upgrade(settings.resolved_database_url)
    try:
        runtime = api_app.make_runtime(settings, Database(settings.resolved_database_url))
    except vault_keys.MasterKeyNotConfigured as error:
        typer.secho(f"error: {error}", fg="red", err=True)
        raise typer.Exit(1) from None

    async def run() -> None:
        jobs = [maintenance.run_worker(runtime)]
        if upkeep:
            jobs.append(maintenance.run_forever(runtime))
        try:
            await asyncio.gather(*jobs)
        finally:
            await runtime.db.dispose()

    structured = logs.config(settings.log_format)
    if structured:
        logging.config.dictConfig(structured)
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        logging.getLogger("httpx").setLevel(logging.WARNING)  # the attempt log has every request already
    metrics_page.serve_port(settings, runtime.clock)
    tracing.start(runtime.db)
    typer.echo("Lynk worker delivering webhooks (Ctrl-C to stop)")
    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        typer.echo("Worker stopped.")


@app.command()
def listen(
    api_key: Annotated[str, typer.Option(help="A secret key (sk_test_…) of the merchant", envvar="LYNK_API_KEY")],
    forward_to: Annotated[str, typer.Option(help="Where to POST each event, e.g. http://localhost:4242/webhook")],
    events: Annotated[str, typer.Option(help="Only these event types, comma-separated")] = "",
    api_base: Annotated[str, typer.Option(help="The Lynk server")] = f"http://127.0.0.1:{DEFAULT_PORT}",
) -> None:
    """Forward the merchant's events, as they happen, to a local URL, signed with a per-session secret."""
    listener = listening.Listener(
        api_key=api_key,
        forward_to=forward_to,
        api_base=api_base,
        events=[e.strip() for e in events.split(",") if e.strip()],
        say=lambda line: typer.echo(line),
    )
    try:
        listener.run()
    except KeyboardInterrupt:
        typer.echo("Stopped listening.")
    except listening.ListenError as error:
        typer.secho(f"error: {error}", fg="red", err=True)
        raise typer.Exit(1) from None
    except httpx.TransportError as error:
        typer.secho(f"error: cannot reach {api_base}: {type(error).__name__}", fg="red", err=True)
        raise typer.Exit(1) from None
    finally:
        listener.close()


@merchants_app.command("brand")
def merchants_brand(
    merchant_id: Annotated[str, typer.Argument(help="The merchant (acct_…)")],
    color: Annotated[str | None, typer.Option(help="Brand colour, #rrggbb ('' clears)")] = None,
    icon: Annotated[str | None, typer.Option(help="Icon: an https URL or a data URL of an image ('' clears)")] = None,
    logo: Annotated[str | None, typer.Option(help="Logo: an https URL or a data URL of an image ('' clears)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Set the branding Lynk's pages show the merchant's shoppers (as POST /v1/account does)."""
    given = {"primary_color": color, "icon": icon, "logo": logo}
    changes = {name: value or None for name, value in given.items() if value is not None}
    merchant = in_transaction(lambda s, _now: merchants.update_branding(s, merchant_id, changes))
    payload = {
        "id": merchant.id,
        "primary_color": merchant.brand_color,
        "icon": merchant.brand_icon,
        "logo": merchant.brand_logo,
    }
    print_payload(payload, as_json, [f"Merchant {merchant.id} ({merchant.name}): branding saved"])


@merchants_app.command("create")
def merchants_create(
    name: Annotated[str, typer.Option(help="The merchant's name")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Create a merchant with a test-mode key pair (shown once)."""
    if not name.strip():
        typer.secho("error: --name must not be empty", fg="red", err=True)
        raise typer.Exit(2)
    merchant, keys = in_transaction(lambda s, now: merchants.create_merchant(s, name, now=now))
    payload = {
        "id": merchant.id,
        "name": merchant.name,
        "secret_key": keys.secret_key,
        "publishable_key": keys.publishable_key,
    }
    print_payload(
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
    keys = in_transaction(lambda s, now: merchants.create_keys(s, merchant, livemode=live, now=now))
    payload = {
        "merchant": merchant,
        "livemode": keys.livemode,
        "secret_key": keys.secret_key,
        "secret_key_id": keys.secret_key_id,
        "publishable_key": keys.publishable_key,
        "publishable_key_id": keys.publishable_key_id,
    }
    print_payload(
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
    keys = in_transaction(lambda s, now: merchants.list_keys(s, merchant))
    for key in keys:
        state = "revoked" if key.revoked_at else "active"
        typer.echo(f"{key.id}  {key.redacted:<24} {'live' if key.livemode else 'test'}  {state}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id (key_…)")]) -> None:
    """Revoke a key: it stops working at once."""
    key = in_transaction(lambda s, now: merchants.revoke_key(s, key_id, now=now))
    typer.echo(f"Revoked {key.id} ({key.redacted}).")


@idempotency_app.command("purge")
def idempotency_purge() -> None:
    """Delete idempotency keys older than the retention window (24 h)."""
    settings = load_settings()
    purged = run_with_db(
        settings,
        lambda db: idempotency.purge_expired(
            db, now=unix(SystemClock()), retention_seconds=settings.idempotency_retention_seconds
        ),
    )
    typer.echo(f"Purged {purged} expired idempotency keys.")


@vault_app.command("new-key")
def vault_new_key() -> None:
    """Print a fresh master key (base64 of 32 random bytes) for LYNK_MASTER_KEY."""
    typer.echo(vault_keys.new_key_text())


@vault_app.command("rotate-key")
def vault_rotate_key() -> None:
    """Re-wrap all stored card data under the current master key, while serving continues.

    With LYNK_MASTER_KEY set: set it to the new key and list the old one in
    LYNK_RETIRED_MASTER_KEYS on every server, then run this. With the embedded default,
    this command makes the new key itself and keeps the old one as retired.
    """
    settings = load_settings()
    migrations.upgrade(settings.resolved_database_url)
    if not settings.master_key and settings.database_url is None:
        path = vault_keys.key_file(settings)
        vault_keys.Keyring(settings)  # creates the file on first use
        old = [line for line in path.read_text().splitlines() if line.strip()]
        vault_keys.write_key_file(path, [vault_keys.new_key_text(), *old])
    try:
        keyring = vault_keys.Keyring(settings)
    except vault_keys.MasterKeyNotConfigured as error:
        typer.secho(f"error: {error}", fg="red", err=True)
        raise typer.Exit(1) from None
    count = run_with_db(settings, lambda db: vault.rotate(db, keyring))
    typer.echo(f"Re-wrapped {count} vault records under master key {keyring.current.key_id}.")


@vault_app.command("verify")
def vault_verify() -> None:
    """Open every stored card and check it against its fingerprint and facts."""
    settings = load_settings()
    keyring = vault_keys.Keyring(settings)
    report = run_with_db(settings, lambda db: vault.verify(db, keyring))
    keys = ", ".join(f"{key}: {n}" for key, n in sorted(report.by_key.items())) or "none"
    typer.echo(f"{report.cards} cards ({keys}); current key {keyring.current.key_id}.")
    if report.broken:
        typer.secho(f"{len(report.broken)} cards fail to open: {', '.join(report.broken[:20])}", fg="red", err=True)
        raise typer.Exit(1)


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Check every invariant of the books; exit 1 on any breach."""
    settings = load_settings()
    migrations.upgrade(settings.resolved_database_url)

    async def audit(db: Database) -> tuple[ledger.LedgerStats, list[str]]:
        async with db.transaction(write=False) as session:
            return await ledger.stats(session), await ledger.verify(session)

    counts, breaches = run_with_db(settings, audit)
    typer.echo(
        f"{counts.entries} journal entries, {counts.postings} postings, {counts.accounts} accounts, "
        f"{counts.balance_transactions} balance transactions."
    )
    if breaches:
        for breach in breaches[:100]:
            typer.secho(f"breach: {breach}", fg="red", err=True)
        more = " (first 100 shown)" if len(breaches) > 100 else ""
        typer.secho(f"{len(breaches)} ledger invariant breaches{more}.", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo("The ledger balances: no breach found.")


@app.command()
def demo(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False) -> None:
    """Seed the demo merchant and print its keys and what to open."""
    settings = load_settings()
    seeded = in_transaction(lambda s, now: demo_seed.seed(s, settings, now=now))
    print_payload(seeded, as_json, demo_seed.describe(seeded, settings))


if __name__ == "__main__":
    app()
