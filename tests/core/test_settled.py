"""What a process keeps of rows that never change (`core.settled`): a ledger account's pk, the vault's fingerprint
secret. Kept once read, never what a session wrote and rolled back; on every backend."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import event, select

from lynk.core.config import Settings
from lynk.core.db import Database
from lynk.core.scope import Scope
from lynk.ledger import repository as ledger
from lynk.models import LedgerAccount
from lynk.vault import service as vault
from lynk.vault.keyring import Keyring
from tests.servers import backends, fresh_database

NOW = 1_800_000_000


class RolledBack(Exception):
    pass


def _statements(db: Database) -> list[str]:
    seen: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


@pytest.mark.parametrize("backend", backends())
def test_ledger_accounts_kept_once_read_never_when_rolled_back(backend: str, tmp_path: Path) -> None:
    scope = Scope(f"acct_{uuid.uuid4().hex[:16]}", livemode=False)

    async def run() -> None:
        db = Database(url)
        try:
            with pytest.raises(RolledBack):  # creates the accounts, then rolls back: nothing may be kept
                async with db.transaction() as session:
                    await ledger.ensure_accounts(session, scope, "usd", now=NOW)
                    await ledger.ensure_accounts(session, scope, "usd", now=NOW)  # reads what it wrote
                    raise RolledBack()
            async with db.transaction() as session:
                created = await ledger.ensure_accounts(session, scope, "usd", now=NOW)
            async with db.transaction() as session:
                mine = LedgerAccount.merchant_id == scope.merchant_id
                rows = select(LedgerAccount.kind, LedgerAccount.pk).where(mine)
                stored = {kind: pk for kind, pk in await session.execute(rows)}
                assert {str(kind): pk for kind, pk in created.items()} == stored
                read = await ledger.ensure_accounts(session, scope, "usd", now=NOW)  # read, committed: kept
            statements = _statements(db)
            async with db.transaction() as session:
                assert await ledger.ensure_accounts(session, scope, "usd", now=NOW) == read == created
            assert not [sql for sql in statements if "ledger_accounts" in sql]
        finally:
            await db.dispose()

    with fresh_database(backend, tmp_path) as url:
        asyncio.run(run())


@pytest.mark.parametrize("backend", backends())
def test_fingerprint_secret_never_kept_from_a_rolled_back_transaction(backend: str, tmp_path: Path) -> None:
    key = base64.b64encode(os.urandom(32)).decode()

    async def run() -> None:
        db = Database(url)
        keyring = Keyring(Settings(master_key=key, database_url=url))
        try:
            with pytest.raises(RolledBack):  # the first card creates the secret; it rolls back with the card
                async with db.transaction() as session:
                    await vault.store_test_card(session, keyring, "visa", now=NOW, today=(2027, 1))
                    await vault.store_test_card(session, keyring, "visa", now=NOW, today=(2027, 1))  # reads it
                    raise RolledBack()
            for _ in range(3):  # the secret created again, then read and kept
                async with db.transaction() as session:
                    await vault.store_test_card(session, keyring, "visa", now=NOW, today=(2027, 1))
            report = await vault.verify(db, keyring)  # every fingerprint made with the secret the database holds
            assert report.broken == [] and report.cards == 3
        finally:
            await db.dispose()

    with fresh_database(backend, tmp_path) as url:
        asyncio.run(run())
