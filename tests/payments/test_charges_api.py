"""The Charges API beyond reading, through the SDK: create with a source, update, capture, a charge's
refunds, `expand[]=refunds`; a customer's PaymentMethod, `/v1/balance/history`, and more test cards."""

from __future__ import annotations

import pytest
import stripe


def test_create_a_charge_with_a_token_or_a_payment_method(client: stripe.StripeClient) -> None:
    charge = client.v1.charges.create(
        params={
            "amount": 2500,
            "currency": "usd",
            "source": "tok_visa",
            "description": "Order 7",
            "metadata": {"o": "7"},
        }
    )
    assert (charge.status, charge.paid, charge.captured, charge.amount_captured) == ("succeeded", True, True, 2500)
    assert charge.description == "Order 7" and charge.metadata.to_dict() == {"o": "7"}
    assert charge.payment_method_details.card.last4 == "4242"
    assert charge.payment_intent is not None  # made, as every Lynk charge, by a PaymentIntent
    customer = client.v1.customers.create()
    method = client.v1.payment_methods.attach("pm_card_mastercard", params={"customer": customer.id})
    held = client.v1.charges.create(
        params={"amount": 900, "currency": "eur", "source": method.id, "customer": customer.id, "capture": False}
    )
    assert (held.captured, held.amount_captured, held.customer) == (False, 0, customer.id)
    captured = client.v1.charges.capture(held.id, params={"amount": 600, "statement_descriptor_suffix": "BOX"})
    assert (captured.captured, captured.amount_captured) == (True, 600)
    assert captured.statement_descriptor_suffix == "BOX"
    with pytest.raises(stripe.CardError) as declined:
        client.v1.charges.create(params={"amount": 100, "currency": "usd", "source": "tok_chargeDeclined"})
    assert declined.value.code == "card_declined"
    with pytest.raises(stripe.CardError) as needs_3ds:
        client.v1.charges.create(params={"amount": 100, "currency": "usd", "source": "pm_card_threeDSecure2Required"})
    assert needs_3ds.value.code == "authentication_required"
    with pytest.raises(stripe.InvalidRequestError) as no_source:
        client.v1.charges.create(params={"amount": 100, "currency": "usd"})
    assert no_source.value.param == "source"


def test_update_a_charge(client: stripe.StripeClient) -> None:
    charge = client.v1.charges.create(params={"amount": 1000, "currency": "usd", "source": "tok_visa"})
    shipping = {"name": "Jenny Rosen", "address": {"line1": "1 Main St", "country": "US"}}
    updated = client.v1.charges.update(
        charge.id,
        params={
            "description": "Gift",
            "metadata": {"gift": "yes"},
            "shipping": shipping,
            "fraud_details": {"user_report": "safe"},
        },
    )
    assert updated.description == "Gift" and updated.metadata.to_dict() == {"gift": "yes"}
    assert updated.shipping.address.line1 == "1 Main St"
    assert updated.fraud_details.to_dict() == {"user_report": "safe"}
    cleared = client.v1.charges.update(charge.id, params={"description": "", "fraud_details": {"user_report": ""}})
    assert cleared.description is None and cleared.fraud_details.to_dict() == {}
    assert [e.type for e in client.v1.events.list(params={"type": "charge.updated"}).data] == ["charge.updated"] * 2


def test_a_charges_refunds(client: stripe.StripeClient) -> None:
    """`/v1/charges/{id}/refunds`: stripe-python 16 has no method for it, so through its raw requests."""

    def call(method: str, path: str, **params: object) -> stripe.StripeObject:
        return client.deserialize(client.raw_request(method, path, **params), api_mode="V1")

    charge = client.v1.charges.create(params={"amount": 3000, "currency": "usd", "source": "tok_visa"})
    first = call("post", f"/v1/charges/{charge.id}/refunds", amount=1000, reason="requested_by_customer")
    second = call("post", f"/v1/charges/{charge.id}/refunds", amount=500)
    assert (first.object, first.charge, first.amount) == ("refund", charge.id, 1000)
    listed = call("get", f"/v1/charges/{charge.id}/refunds")
    assert [r.id for r in listed.data] == [second.id, first.id]
    assert call("get", f"/v1/charges/{charge.id}/refunds/{first.id}").amount == 1000
    other = client.v1.charges.create(params={"amount": 500, "currency": "usd", "source": "tok_visa"})
    with pytest.raises(stripe.InvalidRequestError) as elsewhere:
        call("get", f"/v1/charges/{other.id}/refunds/{first.id}")
    assert elsewhere.value.http_status == 404
    expanded = client.v1.charges.retrieve(charge.id, params={"expand": ["refunds"]})
    assert [r.id for r in expanded.refunds.data] == [second.id, first.id]  # type: ignore[union-attr]
    assert "refunds" not in client.v1.charges.retrieve(charge.id).to_dict()
    assert client.v1.charges.retrieve(charge.id).amount_refunded == 1500


def test_a_customers_payment_method_and_balance_history(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    found = client.v1.customers.payment_methods.retrieve(customer.id, method.id)
    assert found.id == method.id and found.customer == customer.id
    loose = client.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_visa"}})  # type: ignore[typeddict-item]
    with pytest.raises(stripe.InvalidRequestError) as not_theirs:
        client.v1.customers.payment_methods.retrieve(customer.id, loose.id)
    assert not_theirs.value.http_status == 404
    charge = client.v1.charges.create(params={"amount": 1000, "currency": "usd", "source": "tok_visa"})
    # The older path of the balance transactions list, as older integrations call it.
    raw = client.raw_request("get", "/v1/balance/history", limit=5)
    data = client.deserialize(raw, api_mode="V1")
    assert [t.source for t in data.data] == [charge.id]
    one = client.deserialize(client.raw_request("get", f"/v1/balance/history/{data.data[0].id}"), api_mode="V1")
    assert one.id == data.data[0].id and one.amount == 1000
    with_clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": 1_700_000_000})
    clocked = client.v1.customers.create(params={"test_clock": with_clock.id})
    seen = client.v1.customers.retrieve(clocked.id, params={"expand": ["test_clock"]})
    assert seen.test_clock.id == with_clock.id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("method", "country", "brand"),
    [
        ("pm_card_us", "US", "visa"),
        ("pm_card_gb", "GB", "visa"),
        ("pm_card_jp", "JP", "visa"),
        ("pm_card_fr", "FR", "visa"),
    ],
)
def test_country_test_cards(client: stripe.StripeClient, method: str, country: str, brand: str) -> None:
    pi = client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd", "payment_method": method, "confirm": True}
    )
    card = client.v1.charges.retrieve(pi.latest_charge).payment_method_details.card  # type: ignore[arg-type]
    assert (pi.status, card.country, card.brand) == ("succeeded", country, brand)


def test_fraudulent_decline_card(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create(
            params={
                "amount": 1000,
                "currency": "usd",
                "payment_method": "pm_card_chargeDeclinedFraudulent",
                "confirm": True,
            }
        )
    assert declined.value.json_body["error"]["decline_code"] == "fraudulent"
