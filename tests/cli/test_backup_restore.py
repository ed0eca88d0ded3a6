"""scripts/backup-restore-check on a PostgreSQL database with payments in it: the dump restores into a
scratch database with the same rows and balanced books, and the scratch database is gone afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import make_merchant
from tests.servers import POSTGRES_URL, running_server

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "backup-restore-check"


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL or not shutil.which("pg_dump"), reason="needs PostgreSQL and pg_dump")
def test_a_backup_restores_with_the_same_rows_and_balanced_books(tmp_path: Path) -> None:
    with running_server("postgres", tmp_path) as server:
        client = sdk_client(server, make_merchant(server).secret_key)
        for method in ("pm_card_visa", "pm_card_mastercard"):
            client.v1.payment_intents.create(
                params={"amount": 2_500, "currency": "usd", "payment_method": method, "confirm": True}
            )
        with pytest.raises(stripe.CardError):
            client.v1.payment_intents.create(
                params={"amount": 900, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True}
            )
        plain = server.database_url.replace("+asyncpg", "")
        dump = tmp_path / "lynk.dump"
        env = {**os.environ, "LYNK_DATABASE_URL": plain, "LYNK_HOME": str(tmp_path / "home")}
        result = subprocess.run([str(SCRIPT), str(dump)], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "same row counts" in result.stdout
        assert "The ledger balances: no breach found." in result.stdout
        assert dump.stat().st_size > 0
        left = subprocess.run(
            [
                "psql",
                "-qAt",
                plain.rpartition("/")[0] + "/postgres",
                "-c",
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'lynk_restore_check_%'",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert left.stdout.strip() == "0"
