"""`lynk processors`: add, list, check and remove merchants' processor accounts."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.cli.common import in_transaction, load_settings, print_payload
from lynk.core.scope import Scope
from lynk.processors import service as processors
from lynk.processors.objects import processor_object, with_health
from lynk.vault import keyring as vault_keys

processors_app = typer.Typer(help="Merchants' processor accounts (where their payments go).", no_args_is_help=True)


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
    keyring = vault_keys.Keyring(load_settings())

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

    payload = in_transaction(add)
    print_payload(payload, as_json, [f"Processor {payload['id']} ({kind}, {mode} mode) added to {merchant}"])


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

    rows = in_transaction(listed)
    lines = [f"{r['id']}  {r['kind']:<8} {'live' if r['livemode'] else 'test'}  {r['name'] or ''}" for r in rows]
    print_payload({"object": "list", "data": rows}, as_json, lines or ["No processors: test mode uses the simulator."])


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

    rows = in_transaction(read)
    lines = []
    for row in rows:
        health = row["health"]
        rate = "-" if health["success_rate"] is None else f"{100 * health['success_rate']:.0f}%"
        latency = "-" if health["mean_latency_ms"] is None else f"{health['mean_latency_ms']} ms"
        lines.append(
            f"{row['id']}  {row['kind']:<8} calls {health['calls']:<3} ok {rate:<5} {latency:<9} {health['breaker']}"
        )
    print_payload({"object": "list", "data": rows}, as_json, lines or ["No processors: test mode uses the simulator."])


@processors_app.command("remove")
def processors_remove(processor_id: Annotated[str, typer.Argument(help="The processor id (proc_…)")]) -> None:
    """Take a processor out of routing; what it authorized it still captures and refunds."""
    in_transaction(lambda s, now: processors.remove(s, processor_id, None))
    typer.echo(f"Removed {processor_id}.")
