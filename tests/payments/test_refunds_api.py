"""Refunds through the official stripe SDK: full, several partials, never beyond what was captured."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest
import stripe

from lynk.connectors import Simulator
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


def _paid(client: stripe.StripeClient, amount: int = 10_000) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={"amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )


def test_full_refund_by_payment_intent(client: stripe.StripeClient) -> None:
    pi = _paid(client)
    refund = client.v1.refunds.create(params={"payment_intent": pi.id, "reason": "requested_by_customer"})
    assert refund.id.startswith("re_")
    assert refund.status == "succeeded"
    assert refund.amount == 10_000
    assert refund.charge == pi.latest_charge
    assert refund.reason == "requested_by_customer"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 10_000
    assert charge.refunded is True
    txn = client.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (txn.type, txn.amount, txn.fee, txn.source) == ("refund", -10_000, 0, refund.id)
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"charge": pi.latest_charge})
    assert again.value.code == "charge_already_refunded"


def test_several_partial_refunds_then_too_much(client: stripe.StripeClient) -> None:
    pi = _paid(client, 5_000)
    amounts = [1_000, 1_500, 2_000]
    refunds = [client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": a}) for a in amounts]
    assert [r.amount for r in refunds] == amounts
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 4_500
    assert charge.refunded is False
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 501})
    assert too_much.value.param == "amount"
    assert "5.01" in str(too_much.value.user_message) and "5.00" in str(too_much.value.user_message)
    rest = client.v1.refunds.create(params={"charge": pi.latest_charge})
    assert rest.amount == 500
    listed = client.v1.refunds.list(params={"charge": pi.latest_charge})
    assert [r.id for r in listed.data] == [rest.id, *reversed([r.id for r in refunds])]


def test_refund_metadata_update_and_cancel_rules(client: stripe.StripeClient) -> None:
    refund = client.v1.refunds.create(params={"payment_intent": _paid(client).id, "metadata": {"ticket": "1"}})
    updated = client.v1.refunds.update(refund.id, params={"metadata": {"ticket": "2"}})
    assert updated.metadata.to_dict() == {"ticket": "2"}
    with pytest.raises(stripe.InvalidRequestError) as not_pending:
        client.v1.refunds.cancel(refund.id)
    assert "succeeded" in str(not_pending.value.user_message)
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"


def test_nothing_to_refund(client: stripe.StripeClient) -> None:
    uncaptured = client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "capture_method": "manual",
        }
    )
    with pytest.raises(stripe.InvalidRequestError) as not_captured:
        client.v1.refunds.create(params={"payment_intent": uncaptured.id})
    assert not_captured.value.param == "payment_intent"
    with pytest.raises(stripe.InvalidRequestError) as neither:
        client.v1.refunds.create()
    assert neither.value.code == "parameter_missing"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.refunds.create(params={"charge": "ch_nope"})
    assert missing.value.http_status == 404


def test_refund_events(client: stripe.StripeClient) -> None:
    pi = _paid(client)
    client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 100})
    types = [e.type for e in client.v1.events.list(params={"limit": 3}).data]
    assert types[:2] == ["charge.refunded", "refund.created"]


def test_fifty_concurrent_full_refunds_make_one(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = _paid(client)
    connector = server.runtime.connector
    assert isinstance(connector, Simulator)
    before = connector.refunds
    barrier = threading.Barrier(50)
    statuses: list[int] = []
    lock = threading.Lock()

    def refund() -> None:
        barrier.wait()
        response = httpx.post(
            f"{server.base_url}/v1/refunds",
            data={"charge": pi.latest_charge},
            auth=(merchant.secret_key, ""),
            headers={"Idempotency-Key": str(uuid.uuid4())},
            timeout=60,
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=refund) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 400}
    assert connector.refunds - before == 1
    assert len(client.v1.refunds.list(params={"charge": pi.latest_charge}).data) == 1
    assert client.v1.charges.retrieve(pi.latest_charge).amount_refunded == 10_000


def test_a_refused_expand_moves_no_money_and_the_next_refund_succeeds(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    """`expand[]` is checked before the processor is called: a refused request refunds nothing anywhere."""
    pi = _paid(client, 5_000)
    connector = server.runtime.connector
    assert isinstance(connector, Simulator)
    before = connector.refunds
    refused = httpx.post(
        f"{server.base_url}/v1/refunds",
        data={"payment_intent": pi.id, "amount": 100, "expand[]": "nonsense"},
        auth=(merchant.secret_key, ""),
        timeout=30,
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["param"] == "expand"
    assert connector.refunds == before  # the processor was never asked
    with pytest.raises(stripe.InvalidRequestError) as wrong_object:  # a field of another object, not of a refund
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 100, "expand": ["customer"]})
    assert wrong_object.value.param == "expand"
    assert connector.refunds == before
    refund = client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 250, "expand": ["charge"]})
    assert refund.status == "succeeded"
    assert refund.charge.amount_refunded == 250
    assert connector.refunds - before == 1
