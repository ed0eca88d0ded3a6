"""The `lynk listen` long-poll, `GET /v1/listen/events`: events in commit order with a cursor, so an
event whose transaction commits after a later-numbered one was read is still handed out, once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import stripe

from lynk.cli.listen import Listener
from lynk.core.clock import unix
from lynk.core.scope import Scope
from lynk.events import service as events
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer
from tests.webhooks.support import api, receiver


def _poll(client: stripe.StripeClient, after: str, timeout: int = 0, **params: Any) -> dict[str, Any]:
    return api(client, "get", "/v1/listen/events", after=after, timeout=timeout, **params)


def _ids(page: dict[str, Any]) -> list[str]:
    return [e["id"] for e in page["data"]]


@contextmanager
def _held_open(server: LynkServer, merchant: MerchantKeys) -> Iterator[str]:
    """An event recorded in a transaction that stays open until the block ends, then commits."""
    scope = Scope(merchant.id, livemode=False)
    recorded: asyncio.Future[str] = server.loop.create_future()  # resolved on the server's loop
    release = asyncio.Event()

    async def hold() -> None:
        async with server.db.transaction() as session:
            event = await events.record(session, scope, "customer.created", {"id": "cus_late"}, now=unix(server.clock))
            recorded.set_result(event.id)
            await release.wait()

    done = asyncio.run_coroutine_threadsafe(hold(), server.loop)
    event_id = asyncio.run_coroutine_threadsafe(asyncio.wait_for(asyncio.shield(recorded), 30), server.loop).result()
    try:
        yield event_id
    finally:
        server.loop.call_soon_threadsafe(release.set)
        done.result(timeout=30)


def test_cursor_follows_new_events_once(client: stripe.StripeClient) -> None:
    client.v1.customers.create(params={"name": "before"})
    start = _poll(client, "now")
    assert (start["object"], start["data"], start["cursor"][:5]) == ("list", [], "lcur_")
    first = client.v1.customers.create(params={"name": "one"})
    client.v1.customers.update(first.id, params={"name": "uno"})
    page = _poll(client, start["cursor"], timeout=5)
    assert [e["type"] for e in page["data"]] == ["customer.created", "customer.updated"]
    assert _poll(client, page["cursor"])["data"] == []  # nothing twice
    assert _poll(client, page["cursor"])["cursor"] == page["cursor"]
    client.v1.customers.create(params={"name": "two"})
    later = _poll(client, page["cursor"], timeout=5, types=["customer.created"])
    assert [e["data"]["object"]["name"] for e in later["data"]] == ["two"]
    # An event id still works as `after`.
    assert _ids(_poll(client, page["data"][0]["id"])) == [page["data"][1]["id"], later["data"][0]["id"]]


def test_bad_positions_are_refused(client: stripe.StripeClient) -> None:
    for after in ("lcur_x", "lcur_1_99999999999999999999", "lcur_99999999999999999999_1"):
        with pytest.raises(stripe.InvalidRequestError) as bad:
            _poll(client, after)
        assert (bad.value.http_status, bad.value.param) == (400, "after")
    with pytest.raises(stripe.InvalidRequestError) as missing:
        _poll(client, "evt_nope")
    assert missing.value.http_status == 404


def test_an_event_committed_late_is_not_skipped(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    if server.backend != "postgres":
        pytest.skip("on SQLite writers run one at a time: an open write transaction blocks the others")
    start = _poll(client, "now")["cursor"]
    with _held_open(server, merchant) as late:
        early = client.v1.customers.create(params={"name": "committed first"})
        # The gap: the later-numbered event is visible while the earlier-numbered one is not.
        visible = [e.data.object["id"] for e in client.v1.events.list().data]
        assert early.id in visible and "cus_late" not in visible
        # Reading by number would hand it out now and move past `late`; the long-poll holds it back.
        assert _poll(client, start, timeout=1)["data"] == []
    page = _poll(client, start, timeout=5)
    assert [e["data"]["object"]["id"] for e in page["data"]] == ["cus_late", early.id]
    assert page["data"][0]["id"] == late
    assert _poll(client, page["cursor"])["data"] == []


def test_listener_forwards_a_late_commit_once(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    if server.backend != "postgres":
        pytest.skip("on SQLite writers run one at a time: an open write transaction blocks the others")
    with receiver() as hooks:
        listener = Listener(merchant.secret_key, hooks.url, server.base_url, ["customer.created"], say=lambda _: None)
        hooks.secrets.append(listener.secret)
        try:
            cursor, _ = listener.start()
            forwarded: list[str] = []

            def poll_and_forward(wait: int) -> None:
                nonlocal cursor
                answer = listener.poll(cursor, wait=wait)
                for event in answer["data"]:
                    listener.forward(event)
                    forwarded.append(event["id"])
                cursor = answer["cursor"]

            with _held_open(server, merchant) as late:
                client.v1.customers.create(params={"name": "committed first"})
                poll_and_forward(wait=1)
            poll_and_forward(wait=5)
            poll_and_forward(wait=0)
        finally:
            listener.close()
        early = client.v1.events.list(params={"type": "customer.created", "limit": 1}).data[0].id
        assert forwarded == [late, early]
        assert hooks.ids() == [late, early]
        assert hooks.refused_signatures == 0


def test_now_leaves_out_what_committed_before_it_while_an_older_transaction_is_open(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    if server.backend != "postgres":
        pytest.skip("on SQLite writers run one at a time: an open write transaction blocks the others")
    with _held_open(server, merchant):
        # The open transaction holds the settled horizon below this customer's event.
        client.v1.customers.create(params={"name": "before now"})
        now = _poll(client, "now")["cursor"]
        after = client.v1.customers.create(params={"name": "after now"})
    page = _poll(client, now, timeout=5)
    assert [e["data"]["object"]["id"] for e in page["data"]] == [after.id]
    assert _poll(client, page["cursor"])["data"] == []
