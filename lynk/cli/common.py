"""What every `lynk` command shares: settings, one committed transaction per command, JSON or line output."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core import migrate as migrations
from lynk.core.clock import SystemClock, unix
from lynk.core.config import Settings
from lynk.core.db import Database
from lynk.core.errors import LynkError

T = TypeVar("T")


def load_settings() -> Settings:
    settings = Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings


def in_transaction(work: Callable[[AsyncSession, int], Awaitable[T]]) -> T:
    """Run `work(session, now)` in one committed transaction, or exit with the error.

    Pending migrations are applied first, as `lynk serve` does, so a command works on a
    fresh database too.
    """
    settings = load_settings()
    migrations.upgrade(settings.resolved_database_url)

    async def run() -> T:
        db = Database(settings.resolved_database_url, pool_size=1)
        try:
            async with db.transaction() as session:
                return await work(session, unix(SystemClock()))
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except LynkError as error:
        typer.secho(f"error: {error.message}", fg="red", err=True)
        raise typer.Exit(1) from None


def print_payload(payload: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
    else:
        for line in lines:
            typer.echo(line)


def run_with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(settings.resolved_database_url, pool_size=1)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())
