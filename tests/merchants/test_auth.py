"""API keys: Bearer and Basic auth, publishable limits, revocation, test/live separation."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
import stripe

from tests.api.processes import environment, lynk_serve
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


def test_a_key_revoked_in_one_process_is_refused_by_another_within_a_second(
    server: LynkServer, merchant: MerchantKeys, tmp_path: Path
) -> None:
    """Another `lynk serve` on the same database caches the key it read (LYNK_AUTH_CACHE_SECONDS=1): once
    the revocation commits here, no request it receives a second later is accepted."""
    env = environment(tmp_path, server.database_url, LYNK_MASTER_KEY=str(server.settings.master_key))
    bound = server.settings.auth_cache_seconds
    with lynk_serve(env, "--no-worker", "--no-migrate") as other, httpx.Client(base_url=other.base_url) as http:
        auth = (merchant.secret_key, "")
        assert http.get("/v1/customers", auth=auth).status_code == 200  # read and cached there
        revoke(server, merchant.secret_key_id)
        revoked_at = time.monotonic()
        accepted_since: list[float] = []
        while True:
            started = time.monotonic()
            status = http.get("/v1/customers", auth=auth, timeout=30).status_code
            if status == 401:
                break
            assert status == 200 and started - revoked_at < 60, f"{status} after {started - revoked_at:.1f} s"
            accepted_since.append(started - revoked_at)
    assert all(waited < bound for waited in accepted_since), accepted_since


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
