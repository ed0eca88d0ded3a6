"""Lynk extensions around deliveries: resend, secret roll, the attempt log API; and event retention."""

from __future__ import annotations

import pytest
import stripe
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.api import maintenance
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import WebhookDelivery
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer
from tests.webhooks.support import api, attempts, receiver, run_worker


def test_resend_delivers_the_event_again(server: LynkServer, client: stripe.StripeClient) -> None:
    with receiver() as first, receiver() as second:
        one = client.v1.webhook_endpoints.create(params={"url": first.url, "enabled_events": ["customer.created"]})
        two = client.v1.webhook_endpoints.create(params={"url": second.url, "enabled_events": ["refund.created"]})
        first.secrets.append(one.secret)
        second.secrets.append(two.secret)
        client.v1.customers.create()
        event = client.v1.events.list().data[0]
        run_worker(server)
        assert first.ids() == [event.id]

        resent = api(client, "post", f"/v1/events/{event.id}/resend")
        assert (resent["id"], resent["object"]) == (event.id, "event")
        run_worker(server)
        assert first.ids() == [event.id, event.id]
        assert second.ids() == []  # it does not listen for customer.created

        api(client, "post", f"/v1/events/{event.id}/resend", webhook_endpoint=two.id)  # named: sent anyway
        run_worker(server)
        assert second.ids() == [event.id]
        assert [a["event"] for a in attempts(client, one.id, event=event.id)] == [event.id, event.id]


def test_resend_errors(server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys) -> None:
    client.v1.customers.create()
    event = client.v1.events.list().data[0]
    with pytest.raises(stripe.InvalidRequestError) as nowhere:
        api(client, "post", f"/v1/events/{event.id}/resend")
    assert (nowhere.value.http_status, nowhere.value.param) == (400, "webhook_endpoint")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        api(client, "post", f"/v1/events/{event.id}/resend", webhook_endpoint="we_nope")
    assert (unknown.value.http_status, unknown.value.param) == (404, "webhook_endpoint")
    other = sdk_client(server, make_merchant(server).secret_key)
    with pytest.raises(stripe.InvalidRequestError) as theirs:
        api(other, "post", f"/v1/events/{event.id}/resend")
    assert theirs.value.http_status == 404
    endpoint = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/x", "enabled_events": ["*"]})
    with pytest.raises(stripe.InvalidRequestError) as not_theirs:
        api(other, "get", f"/v1/webhook_endpoints/{endpoint.id}/attempts")
    assert not_theirs.value.http_status == 404
    client.v1.webhook_endpoints.update(endpoint.id, params={"disabled": True})
    with pytest.raises(stripe.InvalidRequestError) as disabled:
        api(client, "post", f"/v1/events/{event.id}/resend", webhook_endpoint=endpoint.id)
    assert (disabled.value.http_status, disabled.value.param) == (400, "webhook_endpoint")
    client.v1.webhook_endpoints.delete(endpoint.id)


def test_a_rolled_secret_signs_beside_the_new_one_until_it_expires(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    with receiver() as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["customer.created"]})
        old = endpoint.secret
        rolled = api(client, "post", f"/v1/webhook_endpoints/{endpoint.id}/roll_secret", expires_in=3600)
        new = rolled["secret"]
        assert new.startswith("whsec_") and new != old
        assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id).to_dict()
        hooks.secrets[:] = [new, old]  # the receiver checks both, one after the other
        client.v1.customers.create()
        run_worker(server)
        assert len(hooks.deliveries) == 1
        assert hooks.deliveries[0].verified_with == [new, old]
        assert hooks.deliveries[0].signature.count("v1=") == 2

        server.clock.advance(3601)  # the grace period is over: only the new secret signs
        hooks.secrets[:] = [new]
        client.v1.customers.create()
        run_worker(server)
        assert len(hooks.deliveries) == 2
        assert hooks.deliveries[1].signature.count("v1=") == 1
        with pytest.raises(stripe.InvalidRequestError) as too_long:
            api(client, "post", f"/v1/webhook_endpoints/{endpoint.id}/roll_secret", expires_in=8 * 24 * 3600)
        assert too_long.value.param == "expires_in"


def test_attempt_log_pages_newest_first(server: LynkServer, client: stripe.StripeClient) -> None:
    with receiver() as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["*"]})
        hooks.secrets.append(endpoint.secret)
        for i in range(5):
            client.v1.customers.create(params={"name": f"n{i}"})
        run_worker(server)
        page = api(client, "get", f"/v1/webhook_endpoints/{endpoint.id}/attempts", limit=2)
        assert page["object"] == "list" and page["has_more"] is True and len(page["data"]) == 2
        assert page["url"] == f"/v1/webhook_endpoints/{endpoint.id}/attempts"
        everything = attempts(client, endpoint.id)
        assert len(everything) == 5
        newest_first = list(reversed(everything))
        assert [a["id"] for a in page["data"]] == [a["id"] for a in newest_first[:2]]
        first = everything[0]
        assert first["object"] == "webhook_endpoint_attempt"
        assert (first["status_code"], first["succeeded"], first["error"]) == (200, True, None)
        assert first["latency_ms"] >= 0 and first["finished_at_ms"] >= first["started_at_ms"]
        assert len(first["response_body"]) <= 1024


def test_events_are_kept_30_days(server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys) -> None:
    now = int(server.clock.now())

    async def old_and_new(session: AsyncSession) -> tuple[str, str]:
        scope = Scope(merchant.id, livemode=False)
        old = await events.record(session, scope, "customer.created", {"id": "cus_old"}, now=now - 31 * 86400)
        fresh = await events.record(session, scope, "customer.created", {"id": "cus_new"}, now=now - 29 * 86400)
        return old.id, fresh.id

    old, fresh = server.write(old_and_new)
    server.call(lambda: maintenance.purge_old_events(server.runtime, now=now))
    with pytest.raises(stripe.InvalidRequestError) as gone:
        client.v1.events.retrieve(old)
    assert gone.value.http_status == 404
    assert client.v1.events.retrieve(fresh).id == fresh


def test_purged_events_take_their_deliveries_and_attempts(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    with receiver() as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["customer.created"]})
        hooks.secrets.append(endpoint.secret)
        client.v1.customers.create(params={"name": "old"})
        old = client.v1.events.list().data[0]
        run_worker(server)
        server.clock.advance(29 * 86400)
        api(client, "post", f"/v1/events/{old.id}/resend")  # a delivery and an attempt made on day 29
        client.v1.customers.create(params={"name": "recent"})
        recent = client.v1.events.list().data[0]
        run_worker(server)
        assert sorted(hooks.ids()) == sorted([old.id, old.id, recent.id])  # sent side by side, in any order
        assert sorted(a["event"] for a in attempts(client, endpoint.id)) == sorted([old.id, old.id, recent.id])

    server.clock.advance(2 * 86400)
    purged = server.call(lambda: maintenance.purge_old_events(server.runtime, now=int(server.clock.now())))
    assert purged >= 1
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.retrieve(old.id)
    assert attempts(client, endpoint.id, event=old.id) == []
    assert [a["event"] for a in attempts(client, endpoint.id)] == [recent.id]

    async def deliveries_of(session: AsyncSession) -> dict[str, int]:
        rows = await session.execute(
            select(WebhookDelivery.event_id, func.count())
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .group_by(WebhookDelivery.event_id)
        )
        return {event_id: count for event_id, count in rows.all()}

    assert server.write(deliveries_of) == {recent.id: 1}
