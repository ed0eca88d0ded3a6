"""Idempotency keys with Stripe's semantics, against a running server."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest
import stripe
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.clock import unix
from lynk.core.scope import Scope
from lynk.idempotency import repository
from lynk.idempotency import service as idempotency
from lynk.models import IdempotencyKey
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


def _post(server: LynkServer, key: str, path: str, body: str, idempotency_key: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}{path}",
        content=body,
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": idempotency_key,
        },
        timeout=30,
    )


def _count(client: stripe.StripeClient) -> int:
    return len(client.v1.customers.list(params={"limit": 100}).data)


def test_replay_returns_byte_identical_body(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    key = str(uuid.uuid4())
    first = _post(server, merchant.secret_key, "/v1/customers", "email=a@example.com&metadata[x]=1", key)
    again = _post(server, merchant.secret_key, "/v1/customers", "email=a@example.com&metadata[x]=1", key)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(client) == 1


def test_same_parameters_in_another_order_replay(server: LynkServer, merchant: MerchantKeys) -> None:
    key = str(uuid.uuid4())
    first = _post(server, merchant.secret_key, "/v1/customers", "name=A&email=a@example.com", key)
    again = _post(server, merchant.secret_key, "/v1/customers", "email=a@example.com&name=A", key)
    assert again.content == first.content


def test_different_parameters_are_an_idempotency_error(client: stripe.StripeClient) -> None:
    key = str(uuid.uuid4())
    client.v1.customers.create(params={"email": "one@example.com"}, options={"idempotency_key": key})
    with pytest.raises(stripe.IdempotencyError) as error:
        client.v1.customers.create(params={"email": "two@example.com"}, options={"idempotency_key": key})
    assert error.value.http_status == 400
    assert key in str(error.value.user_message)
    assert _count(client) == 1


def test_twenty_concurrent_creates_with_one_key_make_one_customer(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    key = str(uuid.uuid4())
    barrier = threading.Barrier(20)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def create() -> None:
        barrier.wait()
        response = _post(server, merchant.secret_key, "/v1/customers", "email=race@example.com", key)
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}
    assert 200 in statuses
    created_ids = {r.json()["id"] for r in responses if r.status_code == 200}
    assert len(created_ids) == 1  # the winners and the replays all name one customer
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json()["error"]["type"] == "idempotency_error"
        assert conflict.headers["Stripe-Should-Retry"] == "true"
    assert _count(client) == 1


def test_sdk_retries_through_conflicts_and_creates_once(server: LynkServer, merchant: MerchantKeys) -> None:
    """The SDK's own retries (same key, on 409) end with one customer for everyone."""
    retrying = sdk_client(server, merchant.secret_key, retries=5)
    key = str(uuid.uuid4())
    ids: list[str] = []

    def create() -> None:
        customer = retrying.v1.customers.create(params={"name": "sdk"}, options={"idempotency_key": key})
        ids.append(customer.id)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 8
    assert len(set(ids)) == 1


def test_errors_after_execution_are_replayed(server: LynkServer, merchant: MerchantKeys) -> None:
    key = str(uuid.uuid4())
    first = _post(server, merchant.secret_key, "/v1/customers/cus_missing", "name=x", key)
    assert first.status_code == 404
    again = _post(server, merchant.secret_key, "/v1/customers/cus_missing", "name=x", key)
    assert again.status_code == 404
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"


def test_rejected_parameters_store_nothing(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    key = str(uuid.uuid4())
    bad = _post(server, merchant.secret_key, "/v1/customers", "emial=typo@example.com", key)
    assert bad.status_code == 400
    good = _post(server, merchant.secret_key, "/v1/customers", "email=fixed@example.com", key)
    assert good.status_code == 200  # the key was not used up by the rejected request
    assert good.json()["email"] == "fixed@example.com"


def test_keys_are_scoped_per_merchant(server: LynkServer, merchant: MerchantKeys) -> None:
    other = make_merchant(server)
    key = str(uuid.uuid4())
    mine = _post(server, merchant.secret_key, "/v1/customers", "name=mine", key)
    theirs = _post(server, other.secret_key, "/v1/customers", "name=theirs", key)
    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["id"] != theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers


def test_keys_expire_after_24_hours_and_are_purged(server: LynkServer, merchant: MerchantKeys) -> None:
    key = str(uuid.uuid4())
    first = _post(server, merchant.secret_key, "/v1/customers", "name=day1", key)
    server.clock.advance(25 * 3600)
    later = _post(server, merchant.secret_key, "/v1/customers", "name=day2", key)
    assert later.status_code == 200
    assert later.json()["id"] != first.json()["id"]  # a new request, not an error or a replay

    server.clock.advance(25 * 3600)
    purged = server.call(
        lambda: idempotency.purge_expired(server.db, now=unix(server.clock), retention_seconds=24 * 3600)
    )
    assert purged >= 1
    again = _post(server, merchant.secret_key, "/v1/customers", "name=day3", key)
    assert again.json()["name"] == "day3"


def test_key_longer_than_255_characters_is_refused(server: LynkServer, merchant: MerchantKeys) -> None:
    response = _post(server, merchant.secret_key, "/v1/customers", "name=x", "k" * 256)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "idempotency_error"


def test_empty_key_is_refused_naming_the_header(server: LynkServer, merchant: MerchantKeys) -> None:
    client = sdk_client(server, merchant.secret_key)
    before = _count(client)
    response = _post(server, merchant.secret_key, "/v1/customers", "name=x", "")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "idempotency_error"
    assert "Idempotency-Key header is empty" in error["message"]
    assert _count(client) == before  # nothing was created


def test_key_left_in_flight_by_a_crash_is_released_after_the_lock(server: LynkServer, merchant: MerchantKeys) -> None:
    """A process that died mid-request leaves its claim; after the lock expires a retry runs."""
    key = str(uuid.uuid4())
    body = "name=after-crash"
    scope = Scope(merchant.id, livemode=False)
    crashed = idempotency.ClaimRequest(
        scope=scope,
        key=key,
        fingerprint=idempotency.fingerprint(b"k" * 32, "POST", "/v1/customers", {"name": "after-crash"}),
        request_id="req_crashed",
        now=unix(server.clock),
        lock_seconds=60,
        retention_seconds=24 * 3600,
    )
    assert isinstance(server.call(lambda: idempotency.claim(server.db, crashed)), idempotency.Claim)

    blocked = _post(server, merchant.secret_key, "/v1/customers", body, key)
    assert blocked.status_code == 409
    server.clock.advance(61)
    retried = _post(server, merchant.secret_key, "/v1/customers", body, key)
    assert retried.status_code == 200
    assert retried.json()["name"] == "after-crash"


def test_a_key_purged_between_the_claims_insert_and_its_read_is_claimed_anew(
    server: LynkServer, merchant: MerchantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim's insert meets the key's row, which the purge of expired keys deletes before the claim reads it:
    the insert is tried again and claims the key, where a vanished row must not read as a key in use."""
    key, scope = str(uuid.uuid4()), Scope(merchant.id, livemode=False)

    def request(request_id: str) -> idempotency.ClaimRequest:
        return idempotency.ClaimRequest(
            scope=scope,
            key=key,
            fingerprint=idempotency.fingerprint(b"k" * 32, "POST", "/v1/customers", {"name": request_id}),
            request_id=request_id,
            now=unix(server.clock),
            lock_seconds=60,
            retention_seconds=24 * 3600,
        )

    first = server.call(lambda: idempotency.claim(server.db, request("req_first")))
    assert isinstance(first, idempotency.Claim)
    read = repository.find_for_update

    async def purged_before_read(session: AsyncSession, scope: Scope, key: str) -> IdempotencyKey | None:
        monkeypatch.setattr(repository, "find_for_update", read)  # once
        await session.execute(delete(IdempotencyKey).where(IdempotencyKey.pk == first.pk))  # as the purge would
        return await read(session, scope, key)

    monkeypatch.setattr(repository, "find_for_update", purged_before_read)
    second = server.write(lambda session: idempotency.claim_in(session, request("req_second")))
    assert isinstance(second, idempotency.Claim)
    assert not second.retry  # a new claim (SQLite may give it the vanished row's pk again)
    holder = select(IdempotencyKey.request_id).where(IdempotencyKey.merchant_id == merchant.id)
    holder = holder.where(IdempotencyKey.key == key)
    assert server.write(lambda session: session.scalar(holder)) == "req_second"
