"""Bank settlement benchmark: how fast the clock-driven job moves processing ACH debits to their outcome.

Seeds N bank payments (PaymentIntents confirmed with `us_bank_account` PaymentMethods, one in five on a test
account that the bank returns) straight through the services on a fresh database, moves a manual clock past
the settlement delay, then calls `maintenance.run_once` until every debit is decided. Prints the seeding rate,
the settlement rate (debits decided per second, batches of 200 per job pass) and the ledger audit's result.
Figures only: nothing asserts on speed.

    .venv/bin/python bench/bank_settlement.py [--debits 2000] [--database-url postgresql://…]

Without `--database-url` a SQLite file in a temporary folder is used; a PostgreSQL URL must name an empty
database (it is migrated, not dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from pathlib import Path

from lynk.api import maintenance
from lynk.api.app import create_app
from lynk.core import migrate
from lynk.core.clock import ManualClock
from lynk.core.config import Settings, async_database_url
from lynk.core.scope import Scope
from lynk.ledger import invariants
from lynk.merchants import service as merchants
from lynk.payment_methods import bank_accounts
from lynk.payments import context as payment_context
from lynk.payments import service as payments
from lynk.payments.confirm import ConfirmOptions
from lynk.runtime import Runtime
from lynk.vault.keyring import new_key_text

MANDATE = {"customer_acceptance": {"type": "online", "online": {"ip_address": "127.0.0.1", "user_agent": "bench"}}}


async def seed(runtime: Runtime, clock: ManualClock, count: int) -> None:
    now = int(clock.now())
    async with runtime.db.transaction() as session:
        merchant, _keys = await merchants.create_merchant(session, "Bench bank merchant", now=now)
    scope = Scope(merchant.id, livemode=False)
    for i in range(count):
        async with runtime.db.transaction() as session:
            ctx = payment_context.build(runtime, session, scope, now)
            account = "000111111113" if i % 5 == 4 else "000123456789"
            method = await bank_accounts.create(
                session,
                runtime.keyring,
                scope,
                bank_accounts.BankAccountInput("110000000", account),
                billing={"name": "Bench"},
                metadata=None,
                allow_redisplay="unspecified",
                now=now,
            )
            new = payments.NewPaymentIntent(amount=1_000 + i, currency="usd", payment_method_types=["us_bank_account"])
            await payments.create(ctx, new, ConfirmOptions(payment_method=method.id, mandate_data=MANDATE))


async def run(args: argparse.Namespace, url: str, home: Path) -> None:
    settings = Settings(home=home, database_url=url, inprocess_worker=False, master_key=new_key_text())
    clock = ManualClock()
    app = create_app(settings, clock=clock)
    runtime: Runtime = app.state.runtime
    try:
        started = time.perf_counter()
        await seed(runtime, clock, args.debits)
        seeded = time.perf_counter() - started
        clock.advance(settings.bank_debit_settlement_seconds + 1)
        started = time.perf_counter()
        decided = passes = 0
        while True:
            upkeep = await maintenance.run_once(runtime)
            passes += 1
            decided += upkeep.bank_debits
            if upkeep.bank_debits == 0:
                break
        settled = time.perf_counter() - started
        async with runtime.db.transaction(write=False) as session:
            breaches = await invariants.verify(session)
    finally:
        await runtime.db.dispose()
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"bank settlement benchmark on {backend}, Python {platform.python_version()}, {platform.machine()}")
    print(f"seeded {args.debits} processing bank payments in {seeded:.2f} s ({args.debits / seeded:.0f} per second)")
    print(f"decided {decided} debits in {passes} job passes, {settled:.2f} s ({decided / settled:.0f} per second)")
    print(f"ledger audit: {'no breach' if not breaches else f'{len(breaches)} breaches'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debits", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = async_database_url(args.database_url) if args.database_url else f"sqlite+aiosqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        asyncio.run(run(args, url, Path(tmp)))


if __name__ == "__main__":
    main()
