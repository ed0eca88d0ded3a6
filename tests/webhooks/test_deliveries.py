"""Deliveries to a real local receiver that verifies every one with `stripe.Webhook.construct_event`."""

from __future__ import annotations

import stripe

from tests.servers import LynkServer
from tests.webhooks.support import receiver, run_worker


def _all_events(client: stripe.StripeClient) -> list[str]:
    return [e.id for e in client.v1.events.list(params={"limit": 100}).auto_paging_iter()]


def test_a_payment_life_arrives_exactly_once(server: LynkServer, client: stripe.StripeClient) -> None:
    with receiver() as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["*"]})
        hooks.secrets.append(endpoint.secret)
        pi = client.v1.payment_intents.create(
            params={"amount": 2_000, "currency": "usd", "payment_method": "pm_card_visa", "capture_method": "manual"}
        )
        client.v1.payment_intents.confirm(pi.id)
        client.v1.payment_intents.capture(pi.id)
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 500})
        run_worker(server)
        run_worker(server)  # a second pass finds nothing more to send

        expected = _all_events(client)
        types = {e.type for e in client.v1.events.list(params={"limit": 100}).data}
        assert {"payment_intent.created", "payment_intent.succeeded", "charge.captured", "refund.created"} <= types
        assert sorted(hooks.ids()) == sorted(expected)
        assert max(hooks.counts().values()) == 1
        assert hooks.refused_signatures == 0
        arrived = {d.event["id"]: d.event for d in hooks.deliveries}
        for event in client.v1.events.list(params={"limit": 100}).data:
            assert arrived[event.id]["type"] == event.type
            assert arrived[event.id]["data"]["object"]["id"] == event.data.object.id
            assert event.pending_webhooks == 0
        delivered = client.v1.events.list(params={"delivery_success": True, "limit": 100}).data
        assert sorted(e.id for e in delivered) == sorted(expected)
        assert client.v1.events.list(params={"delivery_success": False}).data == []


def test_only_enabled_endpoints_and_subscribed_types(server: LynkServer, client: stripe.StripeClient) -> None:
    with receiver() as wanted, receiver() as off:
        listening = client.v1.webhook_endpoints.create(
            params={"url": wanted.url, "enabled_events": ["customer.updated"]}
        )
        wanted.secrets.append(listening.secret)
        disabled = client.v1.webhook_endpoints.create(params={"url": off.url, "enabled_events": ["*"]})
        off.secrets.append(disabled.secret)
        client.v1.webhook_endpoints.update(disabled.id, params={"disabled": True})
        customer = client.v1.customers.create(params={"name": "A"})
        client.v1.customers.update(customer.id, params={"name": "B"})
        run_worker(server)
        assert [d.event["type"] for d in wanted.deliveries] == ["customer.updated"]
        assert off.deliveries == [] and off.requests == 0
