"""One merchant cannot starve the rest (issue 11 item 10): `lynk listen` long-polls hold no database
connection while they wait and are capped per merchant (429 beyond); a request that finds no free
connection in bounded time gets a 503 to retry, never a 500; PostgreSQL cuts long statements."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer, backends, running_server

CAP = 4
WAIT = 120  # generous: the machine may be busy


@pytest.fixture(scope="module", params=backends())
def small_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LynkServer]:
    """A server with a small pool and a short wait for a connection, so exhausting it is cheap."""
    tmp: Path = tmp_path_factory.mktemp(f"lynk-small-{request.param}")
    with running_server(request.param, tmp, pool_size=2, db_pool_timeout_seconds=2, listen_per_merchant=CAP) as s:
        yield s


def _get(server: LynkServer, merchant: MerchantKeys, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.base_url}{path}", params=params, auth=(merchant.secret_key, ""), timeout=WAIT)


def _listen(server: LynkServer, merchant: MerchantKeys, timeout: int) -> httpx.Response:
    return _get(server, merchant, "/v1/listen/events", after="now", timeout=timeout)


def _served(send: Callable[[], httpx.Response]) -> int:
    """The status of a request retried as the SDKs retry (a 503 says `Stripe-Should-Retry`), within WAIT."""
    deadline = time.monotonic() + WAIT
    response = send()
    while response.status_code == 503 and response.headers.get("stripe-should-retry") == "true":
        assert time.monotonic() < deadline, response.text
        time.sleep(0.2)
        response = send()
    return response.status_code


def _checked_out(server: LynkServer) -> int:
    async def count() -> int:
        return int(server.db.engine.pool.checkedout())  # type: ignore[attr-defined]

    return server.call(count)


def test_long_polls_hold_no_connection_and_are_capped_per_merchant(small_server: LynkServer) -> None:
    server = small_server
    shop_a, shop_b, shop_c = make_merchant(server), make_merchant(server), make_merchant(server)
    answers: list[httpx.Response] = []

    def listen_until_admitted() -> None:  # the probe below may hold a slot for a moment: try again
        answer = _listen(server, shop_b, 60)
        while answer.status_code == 429:
            answer = _listen(server, shop_b, 60)
        answers.append(answer)

    waiting = [threading.Thread(target=listen_until_admitted) for _ in range(CAP)]
    for thread in waiting:
        thread.start()

    # Once B's long-polls are all waiting, one more is refused with a 429 (and B may retry later).
    deadline = time.monotonic() + WAIT
    extra = _listen(server, shop_b, 1)
    while extra.status_code == 200 and time.monotonic() < deadline:
        extra = _listen(server, shop_b, 1)
    assert extra.status_code == 429, extra.text
    assert extra.json()["error"]["code"] == "rate_limit"
    assert extra.headers["stripe-should-retry"] == "true"

    # While they wait they hold no connection: the pool comes back empty between their short reads (were
    # they holding one each, the four would keep it full). Sampled until seen: the suite's other servers
    # share this process, so one read may be slow to give its connection back.
    deadline = time.monotonic() + WAIT
    while _checked_out(server) != 0:
        assert time.monotonic() < deadline, "the pool never came back empty while the long-polls waited"
        time.sleep(0.05)
    assert _served(lambda: _get(server, shop_a, "/v1/customers")) == 200  # other merchants are served
    assert _served(lambda: _listen(server, shop_c, 0)) == 200  # and may listen themselves

    # A new event for B ends its long-polls at once.
    created = httpx.post(f"{server.base_url}/v1/customers", auth=(shop_b.secret_key, ""), timeout=WAIT)
    assert created.status_code == 200
    for thread in waiting:
        thread.join(timeout=WAIT)
    assert [a.status_code for a in answers] == [200] * CAP
    assert all(a.json()["data"][0]["type"] == "customer.created" for a in answers)


def test_a_request_that_finds_no_free_connection_gets_a_503_to_retry(small_server: LynkServer) -> None:
    server = small_server
    shop = make_merchant(server)
    held: list[AsyncConnection] = []

    async def exhaust() -> None:  # take every connection the pool will give
        while True:
            try:
                held.append(await server.db.engine.connect())
            except PoolTimeout:
                return

    async def release() -> None:
        for connection in held:
            await connection.close()

    server.call(exhaust)
    try:
        busy = _get(server, shop, "/v1/customers")
    finally:
        server.call(release)
    assert busy.status_code == 503, busy.text
    assert busy.headers["stripe-should-retry"] == "true"
    assert (busy.json()["error"]["type"], busy.json()["error"]["code"]) == ("api_error", "database_busy")
    assert _get(server, shop, "/v1/customers").status_code == 200


def test_postgresql_cuts_statements_that_run_too_long(small_server: LynkServer) -> None:
    if not small_server.db.is_postgres:
        pytest.skip("statement_timeout is PostgreSQL's; SQLite runs in-process")

    async def show() -> str:
        async with small_server.db.transaction(write=False) as session:
            return str((await session.execute(text("SHOW statement_timeout"))).scalar_one())

    assert small_server.call(show) == "30s"
