"""Webhook endpoints through the stripe SDK, and signatures that the SDK's own verifier accepts."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from lynk.webhooks.signing import signature_header
from tests.conftest import sdk_client
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer


def test_create_shows_the_secret_once(client: stripe.StripeClient) -> None:
    endpoint = client.v1.webhook_endpoints.create(
        params={"url": "https://shop.example/hooks", "enabled_events": ["charge.succeeded", "charge.failed"]}
    )
    assert endpoint.id.startswith("we_")
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.status == "enabled"
    assert endpoint.enabled_events == ["charge.succeeded", "charge.failed"]
    fetched = client.v1.webhook_endpoints.retrieve(endpoint.id)
    assert "secret" not in fetched.to_dict()
    assert "secret" not in client.v1.webhook_endpoints.list().data[0].to_dict()


def test_update_disable_delete_and_list(client: stripe.StripeClient) -> None:
    endpoint = client.v1.webhook_endpoints.create(params={"url": "https://shop.example/a", "enabled_events": ["*"]})
    updated = client.v1.webhook_endpoints.update(
        endpoint.id,
        params={"url": "https://shop.example/b", "enabled_events": ["refund.created"], "disabled": True},
    )
    assert (updated.url, updated.enabled_events, updated.status) == (
        "https://shop.example/b",
        ["refund.created"],
        "disabled",
    )
    assert client.v1.webhook_endpoints.update(endpoint.id, params={"disabled": False}).status == "enabled"
    assert [e.id for e in client.v1.webhook_endpoints.list().data] == [endpoint.id]
    deleted = client.v1.webhook_endpoints.delete(endpoint.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as gone:
        client.v1.webhook_endpoints.retrieve(endpoint.id)
    assert gone.value.http_status == 404
    assert client.v1.webhook_endpoints.list().data == []


def test_unknown_event_types_and_bad_urls_are_400(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.webhook_endpoints.create(
            params={"url": "https://shop.example/h", "enabled_events": ["charge.succeeded", "charge.exploded"]}  # type: ignore[list-item]
        )
    assert unknown.value.param == "enabled_events[1]"
    with pytest.raises(stripe.InvalidRequestError) as bad_url:
        client.v1.webhook_endpoints.create(params={"url": "ftp://shop.example", "enabled_events": ["*"]})
    assert bad_url.value.param == "url"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.webhook_endpoints.create(params={"url": "https://shop.example/h"})  # type: ignore[typeddict-item]
    assert missing.value.param == "enabled_events"


def test_endpoints_are_scoped_to_the_merchant(server: LynkServer, client: stripe.StripeClient) -> None:
    theirs = sdk_client(server, make_merchant(server).secret_key).v1.webhook_endpoints.create(
        params={"url": "https://other.example/h", "enabled_events": ["*"]}
    )
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.webhook_endpoints.retrieve(theirs.id)
    assert missing.value.http_status == 404


def test_signatures_verify_with_the_official_sdk() -> None:
    payload = json.dumps(
        {"id": "evt_1", "object": "event", "type": "charge.succeeded", "data": {"object": {}}}
    ).encode()
    now = int(time.time())
    header = signature_header(["whsec_new", "whsec_old"], payload, now)
    for secret in ("whsec_new", "whsec_old"):  # during a roll, both secrets verify
        event = stripe.Webhook.construct_event(payload, header, secret)
        assert event.id == "evt_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_other")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload + b" ", header, "whsec_new")
    stale = signature_header(["whsec_new"], payload, now - 301)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, stale, "whsec_new")  # outside the SDK's 300 s tolerance
