"""Stripe-style test clocks: advancing one runs the clock-driven jobs for its customers' objects only,
without moving the server's clock: bank settlement, authorization expiry and dispute deadlines."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.disputes.support import FRAUDULENT
from tests.merchants.factories import MerchantKeys, make_live_keys
from tests.payments.bank_support import MANDATE, bank_method, event_types
from tests.servers import LynkServer

DAY = 86_400


def _clock(client: stripe.StripeClient, server: LynkServer) -> stripe.test_helpers.TestClock:
    return client.v1.test_helpers.test_clocks.create(
        params={"frozen_time": int(server.clock.now()), "name": "Monthly renewals"}
    )


def _advance(client: stripe.StripeClient, clock: stripe.test_helpers.TestClock, seconds: int) -> Any:
    current = client.v1.test_helpers.test_clocks.retrieve(clock.id)
    return client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": current.frozen_time + seconds})


def test_create_retrieve_list_and_delete(server: LynkServer, client: stripe.StripeClient) -> None:
    clock = _clock(client, server)
    assert clock.id.startswith("clock_") and clock.object == "test_helpers.test_clock"
    assert (clock.status, clock.name, clock.livemode) == ("ready", "Monthly renewals", False)
    assert clock.deletes_after > clock.created
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).frozen_time == clock.frozen_time
    assert [c.id for c in client.v1.test_helpers.test_clocks.list().data] == [clock.id]
    customer = client.v1.customers.create(params={"test_clock": clock.id})
    assert customer.test_clock == clock.id
    deleted = client.v1.test_helpers.test_clocks.delete(clock.id)
    assert deleted.deleted is True
    assert client.v1.test_helpers.test_clocks.list().data == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve(customer.id)  # the clock's customers go with it, as at Stripe


def test_bad_input(server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys) -> None:
    clock = _clock(client, server)
    with pytest.raises(stripe.InvalidRequestError) as backwards:
        client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": clock.frozen_time - 1})
    assert backwards.value.param == "frozen_time"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.customers.create(params={"test_clock": "clock_nope"})
    assert (unknown.value.http_status, unknown.value.param) == (404, "test_clock")
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.test_helpers.test_clocks.create(params={})  # type: ignore[typeddict-item]
    assert missing.value.param == "frozen_time"
    live_secret, _ = make_live_keys(server, merchant.id)
    response = httpx.post(
        f"{server.base_url}/v1/test_helpers/test_clocks", data={"frozen_time": "1"}, auth=(live_secret, "")
    )
    assert response.status_code == 400


def test_advancing_settles_the_bank_payments_of_its_customers_only(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    clock = _clock(client, server)
    on_clock = client.v1.customers.create(params={"test_clock": clock.id})
    elsewhere = client.v1.customers.create()

    def pay(customer: str) -> stripe.PaymentIntent:
        return client.v1.payment_intents.create(
            params={
                "amount": 5_000,
                "currency": "usd",
                "customer": customer,
                "payment_method_types": ["us_bank_account"],
                "payment_method": bank_method(client).id,
                "mandate_data": MANDATE,  # type: ignore[typeddict-item]
                "confirm": True,
            }
        )

    mine, theirs = pay(on_clock.id), pay(elsewhere.id)
    advanced = _advance(client, clock, server.settings.bank_debit_settlement_seconds + 1)
    assert advanced.status == "ready"
    assert client.v1.payment_intents.retrieve(mine.id).status == "succeeded"
    assert client.v1.payment_intents.retrieve(theirs.id).status == "processing"
    assert event_types(client, clock.id) == [
        "test_helpers.test_clock.created",
        "test_helpers.test_clock.advancing",
        "test_helpers.test_clock.ready",
    ]


def test_advancing_expires_authorizations_and_dispute_deadlines(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    clock = _clock(client, server)
    customer = client.v1.customers.create(params={"test_clock": clock.id})
    held = client.v1.payment_intents.create(
        params={
            "amount": 2_000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "capture_method": "manual",
            "confirm": True,
        }
    )
    disputed = client.v1.payment_intents.create(
        params={
            "amount": 3_000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method_data": {"type": "card", "card": {"number": FRAUDULENT, "exp_month": 12, "exp_year": 2034}},
            "confirm": True,
        }
    )
    [dispute] = client.v1.disputes.list(params={"payment_intent": disputed.id}).data
    _advance(client, clock, 6 * DAY)
    assert client.v1.payment_intents.retrieve(held.id).status == "requires_capture"
    assert client.v1.disputes.retrieve(dispute.id).status == "needs_response"
    _advance(client, clock, 2 * DAY)
    expired = client.v1.payment_intents.retrieve(held.id)
    assert (expired.status, expired.cancellation_reason) == ("canceled", "automatic")
    assert client.v1.disputes.retrieve(dispute.id).status == "lost"
