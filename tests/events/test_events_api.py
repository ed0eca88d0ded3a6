"""Events are written with every state change and read back through the Events API."""

from __future__ import annotations

import uuid

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer


def _types(client: stripe.StripeClient) -> list[str]:
    return [e.type for e in client.v1.events.list(params={"limit": 100}).data]


def test_customer_lifecycle_events(client: stripe.StripeClient) -> None:
    key = str(uuid.uuid4())
    customer = client.v1.customers.create(params={"email": "ev@example.com"}, options={"idempotency_key": key})
    client.v1.customers.update(customer.id, params={"name": "Evie", "metadata": {"a": "1"}})
    client.v1.customers.update(customer.id, params={"name": "Evie"})  # no change: no event
    client.v1.customers.delete(customer.id)

    assert _types(client) == ["customer.deleted", "customer.updated", "customer.created"]
    events = client.v1.events.list().data
    created = events[-1]
    assert created.id.startswith("evt_")
    assert created.object == "event"
    assert created.data.object.id == customer.id
    assert created.data.object.email == "ev@example.com"
    assert created.request.idempotency_key == key
    assert created.request.id.startswith("req_")
    assert created.api_version

    updated = events[1]
    assert updated.data.object.name == "Evie"
    assert updated.data.previous_attributes.to_dict() == {"metadata": {}, "name": None}
    assert client.v1.events.retrieve(updated.id).to_dict() == updated.to_dict()


def test_payment_method_events(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.payment_methods.update(pm.id, params={"billing_details": {"name": "Card Holder"}})
    client.v1.payment_methods.detach(pm.id)

    events = client.v1.events.list(params={"types": ["payment_method.attached", "payment_method.detached"]}).data
    assert [e.type for e in events] == ["payment_method.detached", "payment_method.attached"]
    assert events[0].data.previous_attributes.customer == customer.id
    assert events[0].data.object.customer is None
    assert "4242424242424242" not in str(events[1].to_dict())
    only = client.v1.events.list(params={"type": "payment_method.updated"}).data
    assert len(only) == 1
    assert only[0].data.object.billing_details.name == "Card Holder"


def test_failed_requests_write_no_event(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.create(params={"email": "not-an-email"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.update("cus_missing", params={"name": "x"})
    assert _types(client) == []


def test_events_are_scoped_to_the_merchant(server: LynkServer, client: stripe.StripeClient) -> None:
    other = sdk_client(server, make_merchant(server).secret_key)
    other.v1.customers.create()
    theirs = other.v1.events.list().data[0]
    assert _types(client) == []
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.events.retrieve(theirs.id)
    assert missing.value.http_status == 404
