"""API keys: Bearer and Basic auth, publishable limits, revocation, test/live separation."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_live_keys, revoke
from tests.servers import LynkServer


def test_no_key_is_401_with_a_helpful_message(server: LynkServer) -> None:
    response = httpx.get(f"{server.base_url}/v1/customers")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "API key" in error["message"]


def test_basic_auth_with_key_as_user(server: LynkServer, merchant: MerchantKeys) -> None:
    response = httpx.post(f"{server.base_url}/v1/customers", data={"name": "basic"}, auth=(merchant.secret_key, ""))
    assert response.status_code == 200
    assert response.json()["name"] == "basic"


def test_publishable_key_cannot_manage_customers(server: LynkServer, merchant: MerchantKeys) -> None:
    with pytest.raises(stripe.AuthenticationError) as refused:
        sdk_client(server, merchant.publishable_key).v1.customers.create(params={"name": "x"})
    assert "publishable" in str(refused.value.user_message)


def test_revoked_key_stops_working(server: LynkServer, merchant: MerchantKeys) -> None:
    client = sdk_client(server, merchant.secret_key)
    client.v1.customers.list()
    revoke(server, merchant.secret_key_id)
    with pytest.raises(stripe.AuthenticationError):
        client.v1.customers.list()


def test_live_key_does_not_see_test_data(server: LynkServer, merchant: MerchantKeys) -> None:
    test_client = sdk_client(server, merchant.secret_key)
    live_secret, _ = make_live_keys(server, merchant.id)
    live_client = sdk_client(server, live_secret)
    assert live_secret.startswith("sk_live_")

    test_customer = test_client.v1.customers.create(params={"email": "test@example.com"})
    live_customer = live_client.v1.customers.create(params={"email": "live@example.com"})
    assert test_customer.livemode is False
    assert live_customer.livemode is True

    assert [c.id for c in live_client.v1.customers.list().data] == [live_customer.id]
    assert [c.id for c in test_client.v1.customers.list().data] == [test_customer.id]
    with pytest.raises(stripe.InvalidRequestError) as missing:
        live_client.v1.customers.retrieve(test_customer.id)
    assert missing.value.http_status == 404
