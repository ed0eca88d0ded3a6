"""Radar early fraud warnings: Stripe's test card 4000000000005423 succeeds, then a warning is created."""

from __future__ import annotations

import pytest
import stripe

from tests.disputes.support import EARLY_FRAUD_WARNING, pay_with_card
from tests.payments.bank_support import event_types


def test_the_early_fraud_warning_card_creates_a_warning(client: stripe.StripeClient) -> None:
    pi = pay_with_card(client, EARLY_FRAUD_WARNING)
    assert pi.status == "succeeded"
    [warning] = client.v1.radar.early_fraud_warnings.list(params={"charge": pi.latest_charge}).data
    assert warning.id.startswith("issfr_")
    assert warning.object == "radar.early_fraud_warning"
    assert (warning.charge, warning.payment_intent) == (pi.latest_charge, pi.id)
    assert warning.actionable is True and warning.fraud_type == "made_with_stolen_card"
    assert client.v1.radar.early_fraud_warnings.retrieve(warning.id).id == warning.id
    assert event_types(client, warning.id) == ["radar.early_fraud_warning.created"]
    assert client.v1.disputes.list(params={"payment_intent": pi.id}).data == []
    # The merchant can refund before a dispute comes.
    assert client.v1.refunds.create(params={"payment_intent": pi.id}).status == "succeeded"


def test_other_cards_create_no_warning(client: stripe.StripeClient) -> None:
    pi = pay_with_card(client, "4242424242424242")
    assert client.v1.radar.early_fraud_warnings.list(params={"payment_intent": pi.id}).data == []
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.radar.early_fraud_warnings.retrieve("issfr_nope")
    assert missing.value.http_status == 404
