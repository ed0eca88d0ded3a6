"""What a browser reads with the publishable key and a client secret (issue 11 item 7): Stripe's
client-safe subset of the intent, and no `expand[]` reaching the customer, the charge or anything else
outside it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

# The fields Stripe's API reference marks "retrievable with publishable key".
PAYMENT_INTENT = {
    "id", "object", "amount", "amount_details", "automatic_payment_methods", "canceled_at", "cancellation_reason",
    "capture_method", "client_secret", "confirmation_method", "created", "currency", "description",
    "excluded_payment_method_types", "last_payment_error", "livemode", "next_action", "payment_method",
    "payment_method_configuration_details", "payment_method_types", "processing", "receipt_email",
    "setup_future_usage", "shipping", "status",
}  # fmt: skip
SETUP_INTENT = {
    "id", "object", "cancellation_reason", "client_secret", "created", "description", "last_setup_error",
    "livemode", "next_action", "payment_method", "payment_method_types", "status", "usage",
}  # fmt: skip
SHOPPER = {
    "email": "ada@example.com",
    "phone": "+14155550123",
    "address": {"line1": "1 Main St", "city": "Springfield", "country": "US", "postal_code": "12345"},
    "metadata": {"crm_segment": "vip"},
}


def _browser_get(
    server: LynkServer, merchant: MerchantKeys, path: str, params: list[tuple[str, str]]
) -> httpx.Response:
    return httpx.get(f"{server.base_url}{path}", params=params, auth=(merchant.publishable_key, ""))


@pytest.fixture
def paid(client: stripe.StripeClient) -> stripe.PaymentIntent:
    customer = client.v1.customers.create(params=SHOPPER)  # type: ignore[arg-type]
    return client.v1.payment_intents.create(
        params={
            "amount": 4_200,
            "currency": "usd",
            "customer": customer.id,
            "metadata": {"order": "7", "margin": "high"},
            "payment_method": "pm_card_visa",
            "confirm": True,
        }
    )


@pytest.mark.parametrize("field", ["customer", "latest_charge", "latest_charge.balance_transaction"])
def test_a_browser_cannot_expand_outside_the_client_safe_subset(
    server: LynkServer, merchant: MerchantKeys, paid: stripe.PaymentIntent, field: str
) -> None:
    query = [("client_secret", str(paid.client_secret)), ("expand[]", "payment_method"), ("expand[]", field)]
    answer = _browser_get(server, merchant, f"/v1/payment_intents/{paid.id}", query)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", "expand[1]")
    assert "ada@example.com" not in answer.text and "vip" not in answer.text


def test_a_browser_reads_the_client_safe_subset(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, paid: stripe.PaymentIntent
) -> None:
    query = [("client_secret", str(paid.client_secret)), ("expand[]", "payment_method")]
    answer = _browser_get(server, merchant, f"/v1/payment_intents/{paid.id}", query)
    assert answer.status_code == 200, answer.text
    seen: dict[str, Any] = answer.json()
    assert set(seen) <= PAYMENT_INTENT
    for hidden in ("customer", "latest_charge", "metadata", "amount_received", "statement_descriptor"):
        assert hidden not in seen
    assert (seen["status"], seen["amount"], seen["client_secret"]) == ("succeeded", 4_200, paid.client_secret)
    assert seen["payment_method"]["card"]["last4"] == "4242"
    assert "metadata" not in seen["payment_method"]
    # The merchant's server still sees everything.
    full = client.v1.payment_intents.retrieve(paid.id, params={"expand": ["customer"]})
    assert full.customer.email == "ada@example.com" and full.metadata["order"] == "7"  # type: ignore[union-attr]


def test_a_browser_confirm_answers_with_the_subset(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create(params=SHOPPER)  # type: ignore[arg-type]
    pi = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "usd", "customer": customer.id})
    answer = httpx.post(
        f"{server.base_url}/v1/payment_intents/{pi.id}/confirm",
        data={"client_secret": pi.client_secret, "payment_method": "pm_card_visa"},
        auth=(merchant.publishable_key, ""),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "succeeded"
    assert set(answer.json()) <= PAYMENT_INTENT and "customer" not in answer.json()


def test_a_browser_reads_a_setup_intent_without_its_customer(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create(params=SHOPPER)  # type: ignore[arg-type]
    si = client.v1.setup_intents.create(params={"customer": customer.id, "metadata": {"plan": "gold"}})
    query = [("client_secret", str(si.client_secret))]
    answer = _browser_get(server, merchant, f"/v1/setup_intents/{si.id}", query)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) <= SETUP_INTENT and "customer" not in answer.json()
    refused = _browser_get(server, merchant, f"/v1/setup_intents/{si.id}", [*query, ("expand[]", "customer")])
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "expand[0]"
