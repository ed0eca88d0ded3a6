"""Velocity windows in Redis when `LYNK_REDIS_URL` is set (issue 16 item 1), against the local Redis
(127.0.0.1:6379, database 9): the same counts as the database, shared through Redis, and the database
again when Redis cannot be reached."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
import stripe
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.radar import redis_windows, velocity
from tests.radar.support import declined_charge, fresh_card, pay
from tests.radar.test_rules_api import rule
from tests.radar.test_velocity import NOW, _attempt
from tests.servers import LynkServer, free_port

REDIS_URL = "redis://127.0.0.1:6379/9"


def _clear() -> None:
    with redis.Redis.from_url(REDIS_URL) as found:
        for key in found.scan_iter(match=f"{redis_windows.PREFIX}:*", count=1000):
            found.delete(key)


@pytest.fixture
def in_redis(server: LynkServer) -> Iterator[None]:
    settings = server.runtime.settings
    saved = settings.redis_url
    settings.redis_url = REDIS_URL
    _clear()
    try:
        yield
    finally:
        settings.redis_url = saved
        _clear()


def test_redis_counts_what_the_database_counts(server: LynkServer, in_redis: None) -> None:
    card, ip, device = f"fp_{uuid.uuid4().hex}", f"198.51.100.{uuid.uuid4().int % 250}", uuid.uuid4().hex
    shop, other, email = f"acct_{uuid.uuid4().hex[:12]}", f"acct_{uuid.uuid4().hex[:12]}", f"{uuid.uuid4().hex}@ex.com"
    rows = [
        _attempt(card, 30, "declined", ip_address=ip, device=device, merchant_id=shop),
        _attempt(card, 1800, "authorized", ip_address=ip, merchant_id=other, device=device),
        _attempt(f"fp_{uuid.uuid4().hex}", 40, "blocked", ip_address=ip, email=email, merchant_id=shop),
        _attempt(card, 7200, "blocked", email=email, merchant_id=shop),
        _attempt(card, 3 * 86400, "authorized", merchant_id=shop),
        _attempt(card, 8 * 86400, "declined", merchant_id=shop),  # too old
    ]
    dims = [
        velocity.Dimension("fingerprint", card, ("merchant_id", "email")),
        velocity.Dimension("fingerprint", card, ("merchant_id",), other),
        velocity.Dimension("ip_address", ip, ("fingerprint",)),
        velocity.Dimension("device", device, ("fingerprint",)),
        velocity.Dimension("email", email, ("fingerprint",)),
        velocity.Dimension("merchant_id", shop),
    ]

    async def run(session: AsyncSession) -> tuple[list[dict[str, int]], list[dict[str, int]]]:
        for row in rows:
            await velocity.add(session, row)
            fields = {c: getattr(row, c) for c in ("fingerprint", "ip_address", "email", "device", "merchant_id")}
            await redis_windows.add(REDIS_URL, False, row.created, row.charge_id, row.result, fields)
        return (
            await velocity.counts_many(session, False, NOW, dims),
            await redis_windows.counts_many(REDIS_URL, False, NOW, dims),
        )

    in_database, in_redis_ = server.write(run)
    assert in_redis_ == in_database


def test_payments_count_through_redis(server: LynkServer, client: stripe.StripeClient, in_redis: None) -> None:
    card = fresh_card()
    rule(client, "block", ":total_charges_per_card_number_hourly: >= 2")
    pay(client, card)
    pay(client, card)
    blocked = declined_charge(client, card)
    assert blocked.outcome.type == "blocked"
    with redis.Redis.from_url(REDIS_URL) as found:
        assert list(found.scan_iter(match=f"{redis_windows.PREFIX}:test:fingerprint:*:all"))
    _clear()  # Redis is the windows' store: with its counts gone, the card starts again
    assert pay(client, card).status == "succeeded"


def test_an_unreachable_redis_falls_back_to_the_database(server: LynkServer, client: stripe.StripeClient) -> None:
    settings = server.runtime.settings
    saved = settings.redis_url
    settings.redis_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    try:
        card = fresh_card()
        rule(client, "block", ":total_charges_per_card_number_hourly: >= 2")
        pay(client, card)
        pay(client, card)
        assert declined_charge(client, card).outcome.type == "blocked"
    finally:
        settings.redis_url = saved
