"""What a process keeps of rows that never change (`core.settled`): a ledger account's pk, the vault's fingerprint
and keyed secrets. Kept once read, never what a session wrote and rolled back; on every backend. And what a
session keeps: a card's facts, read once per session."""

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


@pytest.mark.parametrize("backend", backends())
def test_keyed_secret_kept_once_read_never_from_a_rolled_back_transaction(backend: str, tmp_path: Path) -> None:
    """The HMAC keys of Link codes and device cookies: one round trip per process, and never a key that
    was created by a transaction that rolled back (codes hashed with it could never be checked)."""
    key = base64.b64encode(os.urandom(32)).decode()
    purpose = f"test_{uuid.uuid4().hex[:8]}"

    async def run() -> None:
        db = Database(url)
        keyring = Keyring(Settings(master_key=key, database_url=url))
        try:
            with pytest.raises(RolledBack):  # created, read again in the same transaction, rolled back
                async with db.transaction() as session:
                    lost = await vault.keyed_secret(session, keyring, purpose, False, NOW)
                    assert await vault.keyed_secret(session, keyring, purpose, False, NOW) == lost
                    raise RolledBack()
            async with db.transaction() as session:  # created again: the first one was never kept
                created = await vault.keyed_secret(session, keyring, purpose, False, NOW)
            assert created != lost
            statements = _statements(db)
            async with db.transaction() as session:  # read from the database, then kept
                assert await vault.keyed_secret(session, keyring, purpose, False, NOW) == created
            assert len([sql for sql in statements if "vault_secrets" in sql]) == 1
            async with db.transaction() as session:
                assert await vault.keyed_secret(session, keyring, purpose, False, NOW) == created
                assert await vault.keyed_secret(session, keyring, purpose, True, NOW) != created  # per mode
            assert len([sql for sql in statements if "vault_secrets" in sql]) == 3  # live mode's: made, then read
        finally:
            await db.dispose()

    with fresh_database(backend, tmp_path) as url:
        asyncio.run(run())


@pytest.mark.parametrize("backend", backends())
def test_card_facts_read_once_per_session_and_again_after_a_rollback(backend: str, tmp_path: Path) -> None:
    """A payment's stages, its risk check and its charge ask for the same card's facts: one SELECT per session
    (the object the session's identity map holds), and a fresh one once a rollback expired it."""
    key = base64.b64encode(os.urandom(32)).decode()

    async def run() -> None:
        db = Database(url)
        keyring = Keyring(Settings(master_key=key, database_url=url))
        try:
            async with db.transaction() as session:
                stored = await vault.store_test_card(session, keyring, "visa", now=NOW, today=(2027, 1))
            statements = _statements(db)
            async with db.session(write=True) as session:
                async with session.begin():
                    assert await vault.card_facts(session, stored.id) == stored.facts
                    assert await vault.card_fingerprint(session, stored.id) == stored.fingerprint
                    assert await vault.card_facts(session, stored.id) == stored.facts
                assert len([sql for sql in statements if "vault_cards" in sql]) == 1
                async with session.begin():  # a later transaction of the same session (a payment's phase 2)
                    assert await vault.card_facts(session, stored.id) == stored.facts
                assert len([sql for sql in statements if "vault_cards" in sql]) == 1
                with pytest.raises(RolledBack):
                    async with session.begin():
                        raise RolledBack()
                async with session.begin():  # the rollback expired what the session held: read again
                    assert await vault.card_facts(session, stored.id) == stored.facts
                assert len([sql for sql in statements if "vault_cards" in sql]) == 2
            async with db.transaction() as session:
                await vault.erase_card(session, stored.id)
                assert await vault.card_facts(session, stored.id) is None  # deleted: not handed back
        finally:
            await db.dispose()

    with fresh_database(backend, tmp_path) as url:
        asyncio.run(run())
