"""The simulator with its state in a database (`lynk.simulation.store.DatabaseStore`), as `lynk serve` gives it,
on a database of its own: the connector contract's keys name test card numbers, which the suite's shared
database must never hold."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from lynk.connectors import Simulator
from lynk.simulation.store import DatabaseStore
from tests.servers import fresh_database

T = TypeVar("T")


def on_a_database_of_its_own(backend: str, tmp_path: Path, check: Callable[[Simulator, str], Awaitable[T]]) -> T:
    """What `check(simulator, prefix)` returns, run with a database store on a new database (dropped after), the
    simulator closed whatever happens; `prefix` keeps its keys apart from any other run's."""
    with fresh_database(backend, tmp_path) as url:
        simulator = Simulator(store=DatabaseStore(url))

        async def run() -> T:
            try:
                return await check(simulator, uuid.uuid4().hex)
            finally:
                await simulator.close()

        return asyncio.run(run())
