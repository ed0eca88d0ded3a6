"""`/healthz` and `/readyz` on a real server, healthy and then broken: its database gone, its
migrations behind, its Redis unreachable."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from lynk.core.config import async_database_url
from tests.servers import POSTGRES_URL, LynkServer, backends, free_port, running_server

REDIS_URL = "redis://127.0.0.1:6379/9"  # this suite's Redis database


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(params=backends())
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LynkServer]:
    """A server of this test alone, since the test breaks it."""
    with running_server(request.param, tmp_path) as running:
        yield running


def readyz(server: LynkServer) -> tuple[int, dict[str, Any]]:
    answer = httpx.get(f"{server.base_url}/readyz", timeout=30)
    return answer.status_code, answer.json()


def test_healthy_server_is_alive_and_ready(own_server: LynkServer) -> None:
    assert httpx.get(f"{own_server.base_url}/healthz", timeout=30).json()["status"] == "ok"
    status, body = readyz(own_server)
    assert status == 200
    assert body == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "ok", "vault": "ok"},
    }


def _take_database_away(server: LynkServer) -> None:
    if server.backend == "postgres":
        assert POSTGRES_URL
        name = server.database_url.rpartition("/")[2]

        async def drop() -> None:
            engine = create_async_engine(async_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
            async with engine.connect() as conn:
                await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            await engine.dispose()

        server.call(drop)
        return
    # SQLite: the file goes (a lost disk); a directory in its place makes every new connection fail.
    path = Path(server.database_url.partition(":///")[2])
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
    path.mkdir()
    server.call(server.db.engine.dispose)  # open connections would keep reading the deleted file


def test_readyz_fails_when_the_database_is_down(own_server: LynkServer) -> None:
    assert readyz(own_server)[0] == 200
    _take_database_away(own_server)
    status, body = readyz(own_server)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "failing"
    assert body["checks"]["vault"] == "ok"
    assert "Traceback" not in str(body)
    # Alive all the same: a load balancer takes it out of rotation, nobody restarts it.
    assert httpx.get(f"{own_server.base_url}/healthz", timeout=30).status_code == 200
    if own_server.backend == "sqlite":
        shutil.rmtree(Path(own_server.database_url.partition(":///")[2]))


def test_readyz_fails_when_migrations_are_behind(own_server: LynkServer) -> None:
    own_server.write(lambda s: s.execute(text("UPDATE alembic_version SET version_num = '0001'")))
    status, body = readyz(own_server)
    assert status == 503
    assert body["checks"] == {"database": "ok", "migrations": "failing", "redis": "ok", "vault": "ok"}


def test_readyz_fails_when_the_configured_redis_is_unreachable(own_server: LynkServer) -> None:
    own_server.runtime.settings.redis_url = f"redis://127.0.0.1:{free_port()}/0"
    status, body = readyz(own_server)
    assert status == 503
    assert body["checks"]["redis"] == "failing"
    assert body["checks"]["database"] == "ok"


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_readyz_checks_a_reachable_redis(own_server: LynkServer) -> None:
    own_server.runtime.settings.redis_url = REDIS_URL
    assert readyz(own_server) == (
        200,
        {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "redis": "ok", "vault": "ok"}},
    )
