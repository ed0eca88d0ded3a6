"""Alembic environment: runs migrations over the async engine of `lynk.core.db`."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import lynk.models  # noqa: F401  (registers every table on the metadata)
from lynk.core.db import Base, create_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


url = config.get_main_option("sqlalchemy.url")
assert url, "lynk.core.migrate sets sqlalchemy.url"
asyncio.run(_run_async(url))
