"""`lynk vault new-key`, `rotate-key` and `verify` on the embedded default, in subprocesses."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
from pathlib import Path

from lynk.core import migrate
from lynk.core.config import Settings
from lynk.core.db import Database
from lynk.vault import service as vault
from lynk.vault.keyring import Keyring
from tests.cli.test_cli import LYNK


def _embedded_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LYNK_")}
    env["LYNK_HOME"] = str(home)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LYNK, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def _embedded_settings(home: Path) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    return Settings(home=home, database_url=None, master_key=None, retired_master_keys=None)


def _store_cards(home: Path, numbers: list[str]) -> None:
    settings = _embedded_settings(home)
    migrate.upgrade(settings.resolved_database_url)
    keyring = Keyring(settings)

    async def run() -> None:
        db = Database(settings.resolved_database_url, pool_size=1)
        async with db.transaction() as session:
            for number in numbers:
                await vault.store_card(
                    session,
                    keyring,
                    livemode=False,
                    number=number,
                    exp_month=1,
                    exp_year=2031,
                    cvc=None,
                    now=0,
                    today=(2026, 11),
                )
        await db.dispose()

    asyncio.run(run())


def test_new_key_is_32_random_bytes(tmp_path: Path) -> None:
    first = _run(_embedded_env(tmp_path), "vault", "new-key").stdout.strip()
    second = _run(_embedded_env(tmp_path), "vault", "new-key").stdout.strip()
    assert len(base64.b64decode(first)) == 32
    assert first != second


def test_rotate_key_on_the_embedded_default(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _store_cards(home, ["4242424242424242", "5555555555554444"])
    keys_file = home / "master-keys"
    assert len(keys_file.read_text().split()) == 1
    assert oct(keys_file.stat().st_mode & 0o777) == "0o600"

    env = _embedded_env(home)
    rotated = _run(env, "vault", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "Re-wrapped 3 vault records" in rotated.stdout  # two cards and the fingerprint secret
    new_key, old_key = keys_file.read_text().split()

    verified = _run(env, "vault", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("2 cards")
    assert Keyring(_embedded_settings(home)).current.key_id in verified.stdout

    # Once everything is re-wrapped, the old key is no longer needed to read the cards.
    keys_file.write_text(new_key + "\n")
    assert _run(env, "vault", "verify").returncode == 0
    keys_file.write_text(old_key + "\n")
    broken = _run(env, "vault", "verify")
    assert broken.returncode == 1
    assert "fail to open" in broken.stderr
