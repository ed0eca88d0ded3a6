"""Apply Alembic migrations programmatically (`lynk migrate`, `lynk serve`, the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` (async SQLAlchemy URL) up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


def head_revisions() -> set[str]:
    """The revisions this Lynk's migrations end at."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return set(script.get_heads())


def current_revisions(connection: Connection) -> set[str]:
    """The revisions the database at `connection` is at (empty: never migrated)."""
    return set(MigrationContext.configure(connection).get_current_heads())
