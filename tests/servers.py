"""Real Lynk servers for the tests: a fresh database per backend, uvicorn on a free port.

The server runs in a background thread with its own event loop; `LynkServer.call`
runs a coroutine on that loop (for factories that use services directly).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
import uvloop
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from lynk.api import http_protocol
from lynk.api.app import create_app
from lynk.core import migrate
from lynk.core.clock import ShiftedClock
from lynk.core.config import Settings, async_database_url
from lynk.core.db import Database
from lynk.runtime import Runtime
from lynk.vault.keyring import new_key_text

T = TypeVar("T")

POSTGRES_URL = os.environ.get("LYNK_TEST_POSTGRES_URL")


def backends() -> list[str]:
    """SQLite always; PostgreSQL too when LYNK_TEST_POSTGRES_URL is set."""
    return ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def ctrl_c_works() -> None:
    """`preexec_fn` for a child the test will stop with SIGINT, as Ctrl-C does: a test run started in the
    background (`cmd &`, nohup) ignores SIGINT, and its children would inherit that and never stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _replace_database(url: str, name: str) -> str:
    base, _, _old = url.rpartition("/")
    return f"{base}/{name}"


@contextmanager
def fresh_database(backend: str, tmp: Path) -> Iterator[str]:
    """Yield the async URL of a new, migrated database; drop it afterwards."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / 'lynk.db'}"
        migrate.upgrade(url)
        yield url
        return
    assert POSTGRES_URL, "LYNK_TEST_POSTGRES_URL is not set"
    admin_url = async_database_url(POSTGRES_URL)
    name = f"lynk_test_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = _replace_database(admin_url, name)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class LynkServer:
    backend: str
    base_url: str
    database_url: str
    clock: ShiftedClock
    settings: Settings
    db: Database
    loop: asyncio.AbstractEventLoop
    runtime: Runtime

    def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run `make()` on the server's event loop and wait for its result."""

        async def run() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=60)

    def write(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """Run `work(session)` in one committed transaction on the server's database."""

        async def run() -> T:
            async with self.db.transaction() as session:
                return await work(session)

        return self.call(run)

    @contextmanager
    def statements(self) -> Iterator[list[tuple[str, Any, bool]]]:
        """Every statement the server sends meanwhile: (SQL, parameters, executemany)."""
        seen: list[tuple[str, Any, bool]] = []

        def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
            seen.append((statement, parameters, executemany))

        engine = self.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", note)


@contextmanager
def running_server(backend: str, tmp: Path, *, pool_size: int = 20, **overrides: Any) -> Iterator[LynkServer]:
    """A Lynk server on a fresh database; `overrides` are Settings (e.g. a short `db_pool_timeout_seconds`)."""
    with fresh_database(backend, tmp) as url:
        port = free_port()
        settings = Settings(
            home=tmp,
            database_url=url,
            public_url=f"http://127.0.0.1:{port}",
            inprocess_worker=False,
            master_key=new_key_text(),
            **overrides,
        )
        clock = ShiftedClock()
        loop = uvloop.new_event_loop()  # the loop `lynk serve` runs on (uvicorn's "auto" picks uvloop)
        holder: dict[str, Any] = {}

        def serve() -> None:
            asyncio.set_event_loop(loop)
            db = Database(
                url,
                pool_size=pool_size,
                pool_timeout=settings.db_pool_timeout_seconds,
                statement_timeout_ms=settings.db_statement_timeout_ms,
            )
            holder["db"] = db
            app = create_app(settings, clock=clock, db=db)
            holder["runtime"] = app.state.runtime
            # Logging is left as the test run configured it (conftest's `lynk_log`): the access log goes
            # there too, through uvicorn's own formatter, so the final scans see every request line.
            config = uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                log_config=None,
                log_level=None,
                lifespan="on",
                http=http_protocol.NAME,
            )
            server = uvicorn.Server(config)
            holder["server"] = server
            loop.run_until_complete(server.serve())
            loop.run_until_complete(db.dispose())

        thread = threading.Thread(target=serve, name=f"lynk-{backend}", daemon=True)
        thread.start()
        for _ in range(400):
            server = holder.get("server")
            if server is not None and server.started:
                break
            if not thread.is_alive():
                raise RuntimeError("the Lynk test server failed to start")
            threading.Event().wait(0.025)
        else:
            raise RuntimeError("the Lynk test server did not start in 10 s")
        try:
            yield LynkServer(
                backend, f"http://127.0.0.1:{port}", url, clock, settings, holder["db"], loop, holder["runtime"]
            )
        finally:
            holder["server"].should_exit = True
            thread.join(timeout=10)


def stored_bytes(server: LynkServer) -> bytes:
    """The raw bytes of a SQLite server's database file and its write-ahead log, read by another process.

    Never open the file of a database this process holds open: closing that descriptor drops every POSIX
    lock the process has on the file (SQLite's "how to corrupt" page, 2.2). The next `lynk` command to close
    the database then takes itself for the last connection, checkpoints and deletes the WAL, and the
    server's later commits go to the deleted file, where no other process ever sees them."""
    path = Path(server.database_url.split("///", 1)[1])
    files = [str(f) for f in (path, path.with_name(path.name + "-wal")) if f.exists()]
    return subprocess.run(["cat", *files], capture_output=True, check=True).stdout
