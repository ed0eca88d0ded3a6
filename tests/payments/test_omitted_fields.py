"""Keys Stripe's spec makes optional (never null) are left out when they have no value, as Stripe does."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.servers import LynkServer


def test_last_payment_error_has_no_null_keys(server: LynkServer, client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create(
            params={"amount": 500, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True}
        )
    pi = client.v1.payment_intents.retrieve(declined.value.json_body["error"]["payment_intent"]["id"])
    error = pi.to_dict()["last_payment_error"]
    assert error["decline_code"] == "generic_decline"
    assert "param" not in error
    assert None not in error.values()
    challenged = client.v1.payment_intents.create(
        params={"amount": 500, "currency": "usd", "payment_method": "pm_card_threeDSecure2Required", "confirm": True}
    )
    httpx.post(
        f"{server.base_url}/3ds/{challenged.id}", data={"client_secret": challenged.client_secret, "outcome": "fail"}
    )
    failed = client.v1.payment_intents.retrieve(challenged.id).to_dict()["last_payment_error"]
    assert failed["code"] == "payment_intent_authentication_failure"
    assert "decline_code" not in failed and "param" not in failed


def test_refund_setup_intent_and_mandate_leave_out_empty_optional_keys(client: stripe.StripeClient) -> None:
    pi = client.v1.payment_intents.create(
        params={"amount": 500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    refund = client.v1.refunds.create(params={"payment_intent": pi.id})
    assert "failure_reason" not in refund.to_dict()
    si = client.v1.setup_intents.create(
        params={
            "payment_method": "pm_card_visa",
            "confirm": True,
            "mandate_data": {"customer_acceptance": {"type": "offline"}},  # type: ignore[typeddict-item]
            "expand": ["mandate"],
        }
    )
    assert "attach_to_self" not in si.to_dict()
    acceptance = si.mandate.customer_acceptance.to_dict()  # type: ignore[union-attr]
    assert acceptance["type"] == "offline" and acceptance["offline"] == {}
    assert "online" not in acceptance
