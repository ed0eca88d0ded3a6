"""`lynk ledger verify`, run as a user runs it: in a subprocess, against a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from lynk.models import AccountKind
from lynk.vault.keyring import new_key_text
from tests.ledger.support import Books, book_charge, book_refund, new_scope
from tests.servers import backends, fresh_database

LYNK = str(Path(sys.executable).parent / "lynk")


@pytest.fixture(params=backends())
def books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Books, dict[str, str]]]:
    with fresh_database(request.param, tmp_path) as url:
        env = {
            **os.environ,
            "LYNK_HOME": str(tmp_path / "home"),
            "LYNK_DATABASE_URL": url.replace("+asyncpg", "").replace("+aiosqlite", ""),
            "LYNK_MASTER_KEY": new_key_text(),
        }
        yield Books(request.param, url), env


def verify(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LYNK, "ledger", "verify"], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_ledger_verify(books: tuple[Books, dict[str, str]]) -> None:
    db, env = books
    empty = verify(env)
    assert empty.returncode == 0, empty.stderr
    assert "0 journal entries" in empty.stdout

    scope = new_scope()
    charge = book_charge(db.write, scope, 10_000, now=1_800_000_000)
    book_refund(db.write, scope, charge, 2_500, now=1_800_000_000)
    healthy = verify(env)
    assert healthy.returncode == 0, healthy.stderr
    accounts = len(AccountKind)  # one of each kind for the scope's currency
    assert f"2 journal entries, 5 postings, {accounts} accounts, 2 balance transactions." in healthy.stdout
    assert "no breach" in healthy.stdout

    db.write(
        lambda s: s.execute(
            text("UPDATE balance_transactions SET status = 'available' WHERE id = :i"), {"i": charge.id}
        )
    )
    broken = verify(env)
    assert broken.returncode == 1
    assert f"breach: balance transaction {charge.id} (available) put 9680 in pending, expected 0" in broken.stderr
    assert "4 ledger invariant breaches." in broken.stderr
