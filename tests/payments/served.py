"""`lynk serve` as real processes on one database of their own: started, killed with SIGKILL, restarted."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from lynk.core.db import Database
from lynk.simulation.store import simulator_url
from lynk.vault.keyring import new_key_text
from tests.servers import free_port, fresh_database
from tests.webhooks.support import wait_for

LYNK = [sys.executable, "-m", "lynk.cli.main"]
START_TIMEOUT = 120.0  # generous: the suite shares 2 busy cores


@dataclass
class Served:
    """A database, a merchant on it, and the `lynk serve` processes serving it."""

    url: str
    env: dict[str, str]
    secret_key: str
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, port: int | None = None, *args: str, **env: str) -> str:
        """Start `lynk serve` (on `port`, or a new one); returns its base URL once it answers."""
        port = port or free_port()
        process = subprocess.Popen(
            [*LYNK, "serve", "--port", str(port), "--no-migrate", *args],
            env={**self.env, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so a kill takes its --workers too
        )
        self.processes[port] = process
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(base, process), START_TIMEOUT, f"lynk serve on port {port}")
        return base

    def kill(self, base: str) -> None:
        """SIGKILL: no shutdown, no cleanup, requests in flight cut off (the whole process group for --workers)."""
        process = self.processes.pop(int(base.rpartition(":")[2]))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes.values():
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        self.processes.clear()

    def query(self, sql: str, **params: Any) -> list[Any]:
        """Rows of a read on Lynk's database, from outside the servers."""
        return read(self.url, sql, params)

    def simulator_query(self, sql: str, **params: Any) -> list[Any]:
        """Rows of a read on the simulator's own tables (a file of their own on SQLite)."""
        return read(simulator_url(self.url), sql, params)


def post(base: str, lynk: Served, path: str, key: str | None = None, **data: str) -> httpx.Response:
    """A POST with the merchant's secret key (and an Idempotency-Key, if given)."""
    headers = {"Idempotency-Key": key} if key else {}
    return httpx.post(f"{base}{path}", data=data, auth=(lynk.secret_key, ""), headers=headers, timeout=60)


def read(url: str, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Rows of a read on the database at `url`, through a connection of its own."""

    async def run() -> list[Any]:
        db = Database(url, pool_size=1)
        try:
            async with db.transaction(write=False) as session:
                return list((await session.execute(text(sql), params)).all())
        finally:
            await db.dispose()

    return asyncio.run(run())


def _answers(base: str, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"lynk serve exited with {process.returncode}")
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def served(backend: str, tmp: Path) -> Iterator[Served]:
    """A fresh database with a merchant; every `lynk serve` started on it is killed at the end."""
    with fresh_database(backend, tmp) as url:
        env = {
            **os.environ,
            "LYNK_HOME": str(tmp),
            "LYNK_DATABASE_URL": url,
            "LYNK_MASTER_KEY": new_key_text(),
            "PYTHONUNBUFFERED": "1",
        }
        made = subprocess.run(
            [*LYNK, "merchants", "create", "--name", "Restarts", "--json"], env=env, capture_output=True
        )
        assert made.returncode == 0, made.stderr
        running = Served(url, env, json.loads(made.stdout)["secret_key"])
        try:
            yield running
        finally:
            running.stop_all()
