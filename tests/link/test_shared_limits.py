"""Lookup and send limits kept in Redis (`LYNK_REDIS_URL`): several processes count into one window.

The tests use Redis database 15 on 127.0.0.1:6379 and flush it; they are skipped when no Redis
answers there. A second "process" is a second limiter with its own Redis connection.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import httpx
import pytest
import redis

from lynk.core.clock import unix
from lynk.link.errors import TooManyRequests
from lynk.link.limits import RedisLimiter, limiter_for
from tests.account.support import AccountBrowser
from tests.checkout.factories import Shopper, make_session
from tests.conftest import sdk_client
from tests.link.support import Browser, new_email
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer, free_port

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


needs_redis = pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def shared_store(server: LynkServer) -> Iterator[None]:
    """Point the test server at Redis db 15 (flushed), with a small per-IP lookup limit, then put it back."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    settings = server.runtime.settings
    saved = settings.redis_url, settings.link_lookups_per_ip, settings.link_lookup_window_seconds
    settings.redis_url, settings.link_lookups_per_ip, settings.link_lookup_window_seconds = REDIS_URL, 4, 3600
    try:
        yield
    finally:
        settings.redis_url, settings.link_lookups_per_ip, settings.link_lookup_window_seconds = saved
        redis.Redis.from_url(REDIS_URL).flushdb()


@needs_redis
def test_two_limiters_share_one_window() -> None:
    async def scenario() -> int:
        first = RedisLimiter(redis.asyncio.Redis.from_url(REDIS_URL))
        second = RedisLimiter(redis.asyncio.Redis.from_url(REDIS_URL))
        now = 1_000_000_020
        try:
            await first.hit("send_ip", "198.51.100.7", limit=3, window=600, now=now, what="codes sent")
            await second.hit("send_ip", "198.51.100.7", limit=3, window=600, now=now + 1, what="codes sent")
            await first.hit("send_ip", "198.51.100.7", limit=3, window=600, now=now + 2, what="codes sent")
            with pytest.raises(TooManyRequests) as refused:
                await second.hit("send_ip", "198.51.100.7", limit=3, window=600, now=now + 3, what="codes sent")
            # Another IP, and the next window, count afresh.
            await second.hit("send_ip", "198.51.100.8", limit=3, window=600, now=now + 3, what="codes sent")
            await first.hit("send_ip", "198.51.100.7", limit=3, window=600, now=(now // 600 + 1) * 600, what="x")
            retry_after: int = refused.value.extra["retry_after"]
            return retry_after
        finally:
            await first.aclose()
            await second.aclose()

    redis.Redis.from_url(REDIS_URL).flushdb()
    assert asyncio.run(scenario()) == 600 - (1_000_000_023 % 600)
    # Each window's key expires by itself: nothing is left to prune.
    client = redis.Redis.from_url(REDIS_URL)
    assert all(0 < client.ttl(key) <= 601 for key in client.keys("lynk:link:limit:*"))
    client.flushdb()


@needs_redis
def test_server_counts_lookups_in_redis_with_other_processes(server: LynkServer, shared_store: None) -> None:
    shop = make_merchant(server)
    browser = Browser(server, shop)
    assert browser.lookup(new_email()).status_code == 200
    # Another `lynk serve` process behind the same load balancer took two lookups from this IP.
    other = RedisLimiter(redis.asyncio.Redis.from_url(REDIS_URL))

    async def elsewhere() -> None:
        try:
            for _ in range(2):
                now = unix(server.clock)
                await other.hit("lookup_ip", "127.0.0.1", limit=4, window=3600, now=now, what="lookups")
        finally:
            await other.aclose()

    asyncio.run(elsewhere())
    assert browser.lookup(new_email()).status_code == 200  # the fourth of four
    refused = browser.lookup(new_email())
    assert refused.status_code == 429, refused.text
    error = refused.json()["error"]
    assert error["code"] == "rate_limit" and "lookups" in error["message"]
    assert 0 < error["retry_after"] <= 3600
    # The server counted its two lookups (and the refused third) in Redis, beside the other process's two.
    keys = redis.Redis.from_url(REDIS_URL).keys("lynk:link:limit:lookup_ip:3600:*:127.0.0.1")
    assert len(keys) == 1
    assert isinstance(limiter_for(server.runtime.db, REDIS_URL), RedisLimiter)


def test_unreachable_redis_falls_back_to_counting_in_process(server: LynkServer) -> None:
    closed = free_port()
    with socket.socket() as probe:  # nothing listens there
        assert probe.connect_ex(("127.0.0.1", closed)) != 0
    settings = server.runtime.settings
    saved = settings.redis_url, settings.link_lookups_per_merchant
    settings.redis_url, settings.link_lookups_per_merchant = f"redis://127.0.0.1:{closed}/0", 2
    try:
        shop = make_merchant(server)
        browser = Browser(server, shop)
        answers = [browser.lookup(new_email()).status_code for _ in range(3)]
    finally:
        settings.redis_url, settings.link_lookups_per_merchant = saved
    assert answers == [200, 200, 429]
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200


def _redis_lookups_from_localhost() -> int:
    client = redis.Redis.from_url(REDIS_URL)
    return sum(int(client.get(key) or 0) for key in client.keys("lynk:link:limit:lookup_ip:3600:*:127.0.0.1"))


@needs_redis
def test_account_page_and_hosted_page_lookups_count_in_redis_too(server: LynkServer, shared_store: None) -> None:
    """The account page's log-ins and the hosted page's Link lookups share the API's Redis windows."""
    assert AccountBrowser(server).start(new_email()).status_code == 404  # no such account, but counted
    assert _redis_lookups_from_localhost() == 1
    shop = make_merchant(server)
    session = make_session(sdk_client(server, shop.secret_key), payment_method_types=["card", "link"])
    shopper = Shopper(server)
    shopper.open(session.url or "")
    answer = shopper.http.post(
        f"/c/pay/{session.id}/link/lookup", json={"email": new_email()}, headers={"X-CSRF-Token": shopper.token}
    )
    assert answer.status_code == 200, answer.text
    assert _redis_lookups_from_localhost() == 2
