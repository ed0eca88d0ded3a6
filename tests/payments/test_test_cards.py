"""Every row of Stripe's test-card table (disputes and bank accounts aside), through the SDK."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from tests.servers import LynkServer


def _card(number: str, cvc: str | None = "123", postal_code: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034}}
    if cvc:
        data["card"]["cvc"] = cvc
    if postal_code:
        data["billing_details"] = {"address": {"postal_code": postal_code}}
    return data


def _pay(client: stripe.StripeClient, number: str, **card: Any) -> stripe.PaymentIntent:
    pm = client.v1.payment_methods.create(params=_card(number, **card))  # type: ignore[arg-type]
    return client.v1.payment_intents.create(
        params={
            "amount": 2_000,
            "currency": "usd",
            "payment_method": pm.id,
            "confirm": True,
            "return_url": "https://shop.example/back",
        }
    )


@pytest.mark.parametrize(
    ("number", "brand", "funding"),
    [
        ("4242424242424242", "visa", "credit"),
        ("4000056655665556", "visa", "debit"),
        ("5555555555554444", "mastercard", "credit"),
        ("2223003122003222", "mastercard", "credit"),
        ("5200828282828210", "mastercard", "debit"),
        ("5105105105105100", "mastercard", "prepaid"),
        ("6011111111111117", "discover", "credit"),
        ("3056930009020004", "diners", "credit"),
        ("3566002020360505", "jcb", "credit"),
        ("6200000000000005", "unionpay", "credit"),
    ],
)
def test_brands_succeed(client: stripe.StripeClient, number: str, brand: str, funding: str) -> None:
    pi = _pay(client, number)
    assert pi.status == "succeeded"
    details = client.v1.charges.retrieve(pi.latest_charge).payment_method_details.card
    assert (details.brand, details.funding, details.last4) == (brand, funding, number[-4:])


def test_amex_takes_a_four_digit_cvc(client: stripe.StripeClient) -> None:
    assert _pay(client, "378282246310005", cvc="1234").status == "succeeded"


@pytest.mark.parametrize(
    ("number", "code", "decline_code"),
    [
        ("4000000000000002", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("4000000000009987", "card_declined", "lost_card"),
        ("4000000000009979", "card_declined", "stolen_card"),
        ("4000000000000069", "expired_card", "expired_card"),
        ("4000000000000127", "incorrect_cvc", "incorrect_cvc"),
        ("4000000000000119", "processing_error", "processing_error"),
        ("4000000000006975", "card_declined", "card_velocity_exceeded"),
        ("4100000000000019", "card_declined", "fraudulent"),
        ("4000000000004954", "card_declined", "fraudulent"),
    ],
)
def test_declines(client: stripe.StripeClient, number: str, code: str, decline_code: str) -> None:
    with pytest.raises(stripe.CardError) as declined:
        _pay(client, number)
    assert declined.value.http_status == 402
    assert declined.value.code == code
    assert declined.value.json_body["error"]["decline_code"] == decline_code
    pi = declined.value.json_body["error"]["payment_intent"]
    assert pi["status"] == "requires_payment_method"
    assert pi["last_payment_error"]["decline_code"] == decline_code


def test_incorrect_number_fails_luhn_at_create(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError) as error:
        client.v1.payment_methods.create(params=_card("4242424242424241"))  # type: ignore[arg-type]
    assert error.value.code == "incorrect_number"


def test_attach_succeeds_but_charges_decline(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.create(params=_card("4000000000000341"))  # type: ignore[arg-type]
    assert client.v1.payment_methods.attach(pm.id, params={"customer": customer.id}).customer == customer.id
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create(
            params={"amount": 900, "currency": "usd", "customer": customer.id, "payment_method": pm.id, "confirm": True}
        )
    assert declined.value.json_body["error"]["decline_code"] == "generic_decline"


def test_cvc_check_fails_when_given(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError) as declined:
        _pay(client, "4000000000000101", cvc="123")
    assert declined.value.code == "incorrect_cvc"
    charge_id = declined.value.json_body["error"]["charge"]
    assert client.v1.charges.retrieve(charge_id).payment_method_details.card.checks.cvc_check == "fail"
    assert _pay(client, "4000000000000101", cvc=None).status == "succeeded"


def test_postal_code_check_fails_but_the_payment_succeeds(client: stripe.StripeClient) -> None:
    pi = _pay(client, "4000000000000036", postal_code="94103")
    assert pi.status == "succeeded"
    checks = client.v1.charges.retrieve(pi.latest_charge).payment_method_details.card.checks
    assert checks.address_postal_code_check == "fail"


def test_elevated_risk_succeeds(client: stripe.StripeClient) -> None:
    pi = _pay(client, "4000000000009235")
    assert pi.status == "succeeded"
    outcome = client.v1.charges.retrieve(pi.latest_charge).outcome
    assert outcome.risk_level == "elevated"


def _authenticate(server: LynkServer, pi: stripe.PaymentIntent, outcome: str = "complete") -> None:
    url = pi.next_action.redirect_to_url.url
    secret = parse_qs(urlsplit(url).query)["client_secret"][0]
    httpx.post(f"{server.base_url}/3ds/{pi.id}", data={"client_secret": secret, "outcome": outcome})


@pytest.mark.parametrize("number", ["4000002500003155", "4000002760003184", "4000003800000446", "4000000000003220"])
def test_authentication_then_success(server: LynkServer, client: stripe.StripeClient, number: str) -> None:
    pi = _pay(client, number)
    assert pi.status == "requires_action"
    _authenticate(server, pi)
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


@pytest.mark.parametrize(
    ("number", "decline_code"), [("4000008400001629", "generic_decline"), ("4000008260003178", "insufficient_funds")]
)
def test_authentication_then_decline(
    server: LynkServer, client: stripe.StripeClient, number: str, decline_code: str
) -> None:
    pi = _pay(client, number)
    assert pi.status == "requires_action"
    _authenticate(server, pi)
    after = client.v1.payment_intents.retrieve(pi.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.decline_code == decline_code


def test_three_d_secure_supported_but_not_required(client: stripe.StripeClient) -> None:
    assert _pay(client, "4000000000003055").status == "succeeded"


def test_funds_straight_to_available(client: stripe.StripeClient) -> None:
    pi = _pay(client, "4000000000000077")
    txn = client.v1.balance_transactions.retrieve(client.v1.charges.retrieve(pi.latest_charge).balance_transaction)
    assert txn.status == "available"
