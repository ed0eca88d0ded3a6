"""`lynk doctor` on good and bad configurations, run as an operator runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from alembic import command

from lynk.core.config import async_database_url
from lynk.core.migrate import alembic_config
from lynk.vault.keyring import new_key_text
from tests.cli.test_cli import LYNK, env  # noqa: F401  (the fixture: a migrated database per backend)
from tests.servers import free_port


def doctor(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LYNK, "doctor"], env=environ, capture_output=True, text=True, timeout=120, check=False)


def line(output: str, name: str) -> str:
    found = [text for text in output.splitlines() if f"  {name}: " in text]
    assert found, output
    return found[0]


def test_good_configuration(env: dict[str, str]) -> None:  # noqa: F811
    result = doctor(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert line(result.stdout, "database").startswith("ok")
    assert line(result.stdout, "migrations").startswith("ok")
    assert line(result.stdout, "master key").startswith("ok")
    assert line(result.stdout, "redis").startswith("ok")
    assert result.stdout.rstrip().endswith("Ready to start.")


def test_bad_configuration_names_each_problem_and_its_fix(tmp_path: Path) -> None:
    closed = free_port()
    environ = {
        **os.environ,
        "LYNK_HOME": str(tmp_path),
        "LYNK_DATABASE_URL": f"postgresql://lynk:hunter2secret@127.0.0.1:{closed}/lynk",
        "LYNK_REDIS_URL": f"redis://127.0.0.1:{closed}/0",
        "LYNK_PUBLIC_URL": "ftp://pay.example.com",
    }
    environ.pop("LYNK_MASTER_KEY", None)
    result = doctor(environ)
    assert result.returncode == 1
    out = result.stdout
    assert line(out, "database").startswith("FAIL")
    assert "Start the database or fix LYNK_DATABASE_URL" in out
    assert line(out, "master key").startswith("FAIL")
    assert "lynk vault new-key" in out
    assert line(out, "redis").startswith("FAIL")
    assert line(out, "public URL").startswith("FAIL")
    assert "hunter2secret" not in out + result.stderr  # a password is never printed
    assert out.rstrip().endswith("Fix the failing checks before starting Lynk.")


def test_pending_migrations_and_embedded_defaults_are_warnings(tmp_path: Path) -> None:
    environ = {**os.environ, "LYNK_HOME": str(tmp_path / "home")}
    for name in ("LYNK_DATABASE_URL", "LYNK_MASTER_KEY", "LYNK_REDIS_URL", "LYNK_PUBLIC_URL"):
        environ.pop(name, None)
    result = doctor(environ)
    assert result.returncode == 0, result.stdout + result.stderr
    assert line(result.stdout, "database kind").startswith("warn")
    assert line(result.stdout, "database").startswith("warn")  # `lynk serve` creates and migrates it
    assert line(result.stdout, "master key").startswith("warn")
    assert not (tmp_path / "home").exists()  # doctor changes nothing: no key, no database file


def test_pending_migrations_are_a_warning(env: dict[str, str]) -> None:  # noqa: F811
    # The database says it is at the first revision: an older Lynk's, before `lynk serve` migrates it.
    command.stamp(alembic_config(async_database_url(env["LYNK_DATABASE_URL"])), "0001", purge=True)
    result = doctor(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert line(result.stdout, "migrations").startswith("warn  migrations: database at 0001, this Lynk needs")
    assert "Run `lynk migrate`" in result.stdout


def test_a_bad_database_url_is_a_configuration_failure(tmp_path: Path) -> None:
    environ = {
        **os.environ,
        "LYNK_HOME": str(tmp_path),
        "LYNK_DATABASE_URL": "mysql://root@localhost/lynk",
        "LYNK_MASTER_KEY": new_key_text(),
    }
    result = doctor(environ)
    assert result.returncode == 1
    assert "FAIL  configuration" in result.stdout
    assert "use postgresql:// or sqlite:///" in result.stdout
