"""Routing among a merchant's processors, and what happens when one is down.

A processor that was not reached, or that failed and says it recorded nothing, hands the payment to
the next; one whose outcome cannot be known stops it with `processor_unavailable`, and nothing is
charged twice."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.processors.broken import broken_processor
from tests.processors.support import Acquirer, acquirer, add_processor, lynk_processor, stripe_processor, stripe_server
from tests.servers import LynkServer, free_port

__all__ = ["acquirer", "stripe_server"]  # fixtures


def _pay(client: stripe.StripeClient, amount: int = 3100, currency: str = "usd", pm: str = "pm_card_visa") -> str:
    intent = client.v1.payment_intents.create(
        {"amount": amount, "currency": currency, "payment_method": pm, "confirm": True}
    )
    assert intent.status == "succeeded"
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    return str(lynk_processor(charge)["id"])


def _intents_at(acquirer: Acquirer) -> list[stripe.PaymentIntent]:
    return list(acquirer.client.v1.payment_intents.list({"limit": 100}).data)


def test_an_unreachable_processor_fails_over_to_the_next(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens: the connection is refused
    add_processor(server, merchant, kind="stripe", secret_key="sk_test_down", api_base=down, priority=0)
    backup = stripe_processor(server, merchant, acquirer, priority=1)
    assert _pay(sdk_client(server, merchant.secret_key)) == backup
    assert len(_intents_at(acquirer)) == 1


def test_a_failing_processor_that_recorded_nothing_fails_over(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    with broken_processor("empty") as (url, seen):
        add_processor(server, merchant, kind="stripe", secret_key="sk_test_x", api_base=url, priority=0)
        backup = stripe_processor(server, merchant, acquirer, priority=1)
        assert _pay(sdk_client(server, merchant.secret_key)) == backup
    assert seen == ["POST /v1/payment_intents", "GET /v1/payment_intents/search"]
    assert len(_intents_at(acquirer)) == 1


def test_an_unknown_outcome_stops_with_processor_unavailable_and_charges_nothing_elsewhere(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    client = sdk_client(server, merchant.secret_key)
    with broken_processor("error") as (url, _seen):
        add_processor(server, merchant, kind="stripe", secret_key="sk_test_x", api_base=url, priority=0)
        stripe_processor(server, merchant, acquirer, priority=1)
        intent = client.v1.payment_intents.create({"amount": 3100, "currency": "usd"})
        with pytest.raises(stripe.APIError) as raised:
            client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert raised.value.http_status == 503
    assert raised.value.error.code == "processor_unavailable"
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"
    assert _intents_at(acquirer) == []  # the backup was not asked: the first may have charged


def test_a_processor_killed_mid_payment_is_a_clean_processor_unavailable(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    client = sdk_client(server, merchant.secret_key)
    with broken_processor("dies") as (url, seen):
        add_processor(server, merchant, kind="stripe", secret_key="sk_test_x", api_base=url, priority=0)
        stripe_processor(server, merchant, acquirer, priority=1)
        intent = client.v1.payment_intents.create({"amount": 2600, "currency": "usd"})
        with pytest.raises(stripe.APIError) as raised:
            client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert seen == ["POST /v1/payment_intents"]  # then it was gone: its outcome cannot be known
    assert (raised.value.http_status, raised.value.error.code) == (503, "processor_unavailable")
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"
    assert client.v1.charges.list({"payment_intent": intent.id}).data == []
    assert _intents_at(acquirer) == []  # not sent to the backup: that could have charged twice


def test_a_request_the_processor_refuses_fails_the_attempt_as_a_processing_error(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    client = sdk_client(server, merchant.secret_key)
    with broken_processor("refuses") as (url, seen):
        add_processor(server, merchant, kind="stripe", secret_key="sk_test_x", api_base=url)
        intent = client.v1.payment_intents.create({"amount": 2600, "currency": "usd"})
        with pytest.raises(stripe.CardError) as raised:
            client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert seen == ["POST /v1/payment_intents"]  # asked once: sending it again would not help
    assert raised.value.code == "processing_error"
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"


def test_only_an_unreachable_processor_is_a_clean_processor_unavailable_and_the_intent_pays_later(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    client = sdk_client(server, merchant.secret_key)
    down = add_processor(
        server, merchant, kind="stripe", secret_key="sk_test_x", api_base=f"http://127.0.0.1:{free_port()}"
    )
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})
    with pytest.raises(stripe.APIError) as raised:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert (raised.value.http_status, raised.value.error.code) == (503, "processor_unavailable")
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"
    # The merchant replaces the dead processor; the same intent then pays, once.
    removed = httpx.delete(
        f"{server.base_url}/v1/lynk/processors/{down['id']}",
        headers={"Authorization": f"Bearer {merchant.secret_key}"},
        timeout=30,
    )
    assert removed.json()["deleted"] is True
    stripe_processor(server, merchant, acquirer)
    paid = client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "succeeded"
    assert len(_intents_at(acquirer)) == 1


def test_rules_route_by_currency_brand_amount_and_country(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    euros = stripe_processor(server, merchant, acquirer, **{"routing[currencies][0]": "eur"})
    amex = stripe_processor(server, merchant, acquirer, **{"routing[card_brands][0]": "amex"})
    large = stripe_processor(server, merchant, acquirer, **{"routing[min_amount]": "100000"})
    british = stripe_processor(server, merchant, acquirer, **{"routing[countries][0]": "GB"})
    rest = stripe_processor(server, merchant, acquirer, priority=5)
    client = sdk_client(server, merchant.secret_key)
    assert _pay(client, currency="eur") == euros
    assert _pay(client, pm="pm_card_amex") == amex
    assert _pay(client, amount=250_000) == large
    assert _pay(client, pm="pm_card_gb") == british
    assert _pay(client) == rest


def test_a_payment_no_rule_admits_is_refused_clearly(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    stripe_processor(server, merchant, acquirer, **{"routing[currencies][0]": "eur"})
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})
    with pytest.raises(stripe.APIError) as raised:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert raised.value.error.code == "processor_not_configured"
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"


def test_a_processor_that_does_not_answer_in_its_timeout_fails_over_when_it_recorded_nothing(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    with broken_processor("hangs") as (url, seen):
        slow = add_processor(
            server, merchant, kind="stripe", secret_key="sk_test_x", api_base=url, priority=0, timeout_ms=300
        )
        assert slow["timeout_ms"] == 300
        backup = stripe_processor(server, merchant, acquirer, priority=1)
        assert _pay(sdk_client(server, merchant.secret_key)) == backup
    assert seen == ["POST /v1/payment_intents", "GET /v1/payment_intents/search"]
    assert len(_intents_at(acquirer)) == 1


def test_a_processor_silent_past_its_timeout_is_a_clean_processor_unavailable(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    client = sdk_client(server, merchant.secret_key)
    with broken_processor("silent") as (url, seen):
        add_processor(server, merchant, kind="stripe", secret_key="sk_test_x", api_base=url, timeout_ms=300)
        stripe_processor(server, merchant, acquirer, priority=1)
        intent = client.v1.payment_intents.create({"amount": 2600, "currency": "usd"})
        with pytest.raises(stripe.APIError) as raised:
            client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert seen == ["POST /v1/payment_intents", "GET /v1/payment_intents/search"]
    assert (raised.value.http_status, raised.value.error.code) == (503, "processor_unavailable")
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"
    assert _intents_at(acquirer) == []  # it may have charged: never sent to the backup


def test_a_timeout_out_of_range_is_refused_with_its_param(server: LynkServer, merchant: MerchantKeys) -> None:
    refused = httpx.post(
        f"{server.base_url}/v1/lynk/processors",
        data={"kind": "stripe", "secret_key": "sk_test_x", "timeout_ms": "5"},
        headers={"Authorization": f"Bearer {merchant.secret_key}"},
        timeout=30,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "timeout_ms"
    default = add_processor(server, merchant, kind="stripe", secret_key="sk_test_x")
    assert default["timeout_ms"] == 10_000
