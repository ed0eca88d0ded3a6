"""`lynk`: serve, worker, listen, migrate, merchants, keys, demo, maintenance. Commands call services."""

from __future__ import annotations

import asyncio
import json
import logging
import logging.config
import os
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import httpx
import typer
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.cli import demo as demo_seed
from lynk.cli import doctor as doctoring
from lynk.cli import listen as listening
from lynk.cli import users as dashboard_users
from lynk.core import migrate as migrations
from lynk.core.clock import SystemClock, unix
from lynk.core.config import DEFAULT_PORT, Settings, public_url_mismatch, served_url
from lynk.core.db import Database
from lynk.core.errors import LynkError
from lynk.core.scope import Scope
from lynk.idempotency import service as idempotency
from lynk.ledger import service as ledger
from lynk.merchants import service as merchants
from lynk.processors import service as processors
from lynk.processors.objects import processor_object, with_health
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
processors_app = typer.Typer(help="Merchants' processor accounts (where their payments go).", no_args_is_help=True)
app.add_typer(merchants_app, name="merchants")
app.add_typer(keys_app, name="keys")
app.add_typer(idempotency_app, name="idempotency")
app.add_typer(vault_app, name="vault")
app.add_typer(ledger_app, name="ledger")
app.add_typer(processors_app, name="processors")

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


dashboard_users.register(app, _in_transaction, lambda: _settings())


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

    from lynk.api import logs
    from lynk.api import metrics as metrics_page

    settings = _settings()
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
        "lynk.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # uvicorn kills a worker that does not answer its ping in 5 s, and one still importing Lynk on a busy
        # machine can't: `--workers 2` then restarts its workers forever. A hung worker is found a little later.
        timeout_worker_healthcheck=60,
        log_level="info",
        proxy_headers=False,
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

    settings = _settings()
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
    merchant = _in_transaction(lambda s, _now: merchants.update_branding(s, merchant_id, changes))
    payload = {
        "id": merchant.id,
        "primary_color": merchant.brand_color,
        "icon": merchant.brand_icon,
        "logo": merchant.brand_logo,
    }
    _print(payload, as_json, [f"Merchant {merchant.id} ({merchant.name}): branding saved"])


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
    purged = _run_with_db(
        settings,
        lambda db: idempotency.purge_expired(
            db, now=unix(SystemClock()), retention_seconds=settings.idempotency_retention_seconds
        ),
    )
    typer.echo(f"Purged {purged} expired idempotency keys.")


def _run_with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(settings.resolved_database_url, pool_size=1)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


@processors_app.command("add")
def processors_add(
    merchant: Annotated[str, typer.Option(help="The merchant id (acct_…)")],
    kind: Annotated[str, typer.Option(help="The processor's kind: stripe or adyen")],
    secret_key: Annotated[
        str,
        typer.Option(
            "--secret-key", "--api-key", help="The processor account's secret key or API key (sealed by the vault)"
        ),
    ],
    mode: Annotated[str, typer.Option(help="test or live")] = "test",
    api_base: Annotated[str | None, typer.Option(help="Another API base than the processor's own")] = None,
    name: Annotated[str | None, typer.Option(help="A name to tell it apart")] = None,
    priority: Annotated[int, typer.Option(help="Fallback order: lower is tried first")] = 0,
    currency: Annotated[list[str] | None, typer.Option(help="Take only these currencies (repeatable)")] = None,
    brand: Annotated[list[str] | None, typer.Option(help="Take only these card brands (repeatable)")] = None,
    country: Annotated[list[str] | None, typer.Option(help="Take only cards of these countries (repeatable)")] = None,
    min_amount: Annotated[int | None, typer.Option(help="Take only amounts from this (minor units)")] = None,
    max_amount: Annotated[int | None, typer.Option(help="Take only amounts up to this (minor units)")] = None,
    webhook_secret: Annotated[
        str | None,
        typer.Option(
            "--webhook-secret",
            "--hmac-key",
            help="The secret the processor signs its webhooks to /hooks/processors/ID with (Adyen: the HMAC key)",
        ),
    ] = None,
    merchant_account: Annotated[str | None, typer.Option(help="Adyen: the merchant account")] = None,
    live_prefix: Annotated[str | None, typer.Option(help="Adyen, live mode: the company's API URL prefix")] = None,
    timeout_ms: Annotated[
        int | None, typer.Option(help="How long a call may take before it counts as unanswered (default 10000)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Add a processor account to a merchant, for test or live mode. The secret key is never shown again."""
    if mode not in ("test", "live"):
        typer.secho("error: --mode is test or live", fg="red", err=True)
        raise typer.Exit(2)
    keyring = vault_keys.Keyring(_settings())

    async def add(session: AsyncSession, now: int) -> dict[str, Any]:
        rules = processors.checked_rules(
            currencies=currency, card_brands=brand, countries=country, min_amount=min_amount, max_amount=max_amount
        )
        new = processors.NewProcessor(
            kind,
            secret_key,
            api_base,
            name,
            priority,
            rules,
            webhook_secret,
            merchant_account=merchant_account,
            live_prefix=live_prefix,
            timeout_ms=timeout_ms,
        )
        scope = Scope(merchant, mode == "live")
        return processor_object(await processors.add(session, keyring, scope, new, now=now))

    payload = _in_transaction(add)
    _print(payload, as_json, [f"Processor {payload['id']} ({kind}, {mode} mode) added to {merchant}"])


@processors_app.command("list")
def processors_list(
    merchant: Annotated[str, typer.Option(help="The merchant id (acct_…)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """List a merchant's processor accounts, both modes, in fallback order."""

    async def listed(session: AsyncSession, now: int) -> list[dict[str, Any]]:
        found = []
        for livemode in (False, True):
            active = await processors.list_active(session, Scope(merchant, livemode))
            found += [processor_object(a) for a in active]
        return found

    rows = _in_transaction(listed)
    lines = [f"{r['id']}  {r['kind']:<8} {'live' if r['livemode'] else 'test'}  {r['name'] or ''}" for r in rows]
    _print({"object": "list", "data": rows}, as_json, lines or ["No processors: test mode uses the simulator."])


@processors_app.command("health")
def processors_health(
    merchant: Annotated[str, typer.Option(help="The merchant id (acct_…)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Each processor's health as every serving process sees it: calls and success rate over the last five
    minutes, mean latency, and its circuit breaker."""

    async def read(session: AsyncSession, now: int) -> list[dict[str, Any]]:
        found = []
        for livemode in (False, True):
            for account in await processors.list_active(session, Scope(merchant, livemode)):
                found.append(await with_health(session, account))
        return found

    rows = _in_transaction(read)
    lines = []
    for row in rows:
        health = row["health"]
        rate = "-" if health["success_rate"] is None else f"{100 * health['success_rate']:.0f}%"
        latency = "-" if health["mean_latency_ms"] is None else f"{health['mean_latency_ms']} ms"
        lines.append(
            f"{row['id']}  {row['kind']:<8} calls {health['calls']:<3} ok {rate:<5} {latency:<9} {health['breaker']}"
        )
    _print({"object": "list", "data": rows}, as_json, lines or ["No processors: test mode uses the simulator."])


@processors_app.command("remove")
def processors_remove(processor_id: Annotated[str, typer.Argument(help="The processor id (proc_…)")]) -> None:
    """Take a processor out of routing; what it authorized it still captures and refunds."""
    _in_transaction(lambda s, now: processors.remove(s, processor_id, None))
    typer.echo(f"Removed {processor_id}.")


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
    settings = _settings()
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
    count = _run_with_db(settings, lambda db: vault.rotate(db, keyring))
    typer.echo(f"Re-wrapped {count} vault records under master key {keyring.current.key_id}.")


@vault_app.command("verify")
def vault_verify() -> None:
    """Open every stored card and check it against its fingerprint and facts."""
    settings = _settings()
    keyring = vault_keys.Keyring(settings)
    report = _run_with_db(settings, lambda db: vault.verify(db, keyring))
    keys = ", ".join(f"{key}: {n}" for key, n in sorted(report.by_key.items())) or "none"
    typer.echo(f"{report.cards} cards ({keys}); current key {keyring.current.key_id}.")
    if report.broken:
        typer.secho(f"{len(report.broken)} cards fail to open: {', '.join(report.broken[:20])}", fg="red", err=True)
        raise typer.Exit(1)


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Check every invariant of the books; exit 1 on any breach."""
    settings = _settings()
    migrations.upgrade(settings.resolved_database_url)

    async def audit(db: Database) -> tuple[ledger.LedgerStats, list[str]]:
        async with db.transaction(write=False) as session:
            return await ledger.stats(session), await ledger.verify(session)

    counts, breaches = _run_with_db(settings, audit)
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
    settings = _settings()
    seeded = _in_transaction(lambda s, now: demo_seed.seed(s, settings, now=now))
    _print(seeded, as_json, demo_seed.describe(seeded, settings))


if __name__ == "__main__":
    app()
