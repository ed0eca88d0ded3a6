"""Migrations: they build the schema the models describe, on every backend, and run both ways."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import lynk.models  # noqa: F401  (registers the tables)
from lynk.core.db import Base, create_engine
from lynk.core.migrate import alembic_config
from tests.servers import backends, fresh_database


def _run_sync(url: str, work: Any) -> Any:
    async def run() -> Any:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.mark.parametrize("backend", backends())
def test_models_match_migrations(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        diff = _run_sync(url, lambda conn: compare_metadata(MigrationContext.configure(conn), Base.metadata))
        assert diff == [], f"models and migrations differ; write a migration: {diff}"


@pytest.mark.parametrize("backend", backends())
def test_downgrade_and_upgrade_again(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        command.downgrade(alembic_config(url), "base")
        tables = _run_sync(url, lambda conn: inspect(conn).get_table_names())
        assert set(tables) <= {"alembic_version"}
        command.upgrade(alembic_config(url), "head")
        tables = _run_sync(url, lambda conn: inspect(conn).get_table_names())
        assert {"merchants", "api_keys", "customers", "idempotency_keys"} <= set(tables)
