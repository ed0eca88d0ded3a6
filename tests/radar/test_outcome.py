"""`charge.outcome` as Stripe shapes it, the score's explanation, and Stripe's risk test cards."""

from __future__ import annotations

import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import make_merchant
from tests.radar.support import ALWAYS_BLOCKED, ELEVATED, HIGHEST, declined_charge, fresh_card, pay
from tests.servers import LynkServer


def test_a_normal_payment_has_a_low_score_and_stripe_s_outcome_fields(client: stripe.StripeClient) -> None:
    pi = pay(client, fresh_card())
    outcome = client.v1.charges.retrieve(pi.latest_charge).outcome  # type: ignore[arg-type]
    assert outcome.type == "authorized"
    assert outcome.network_status == "approved_by_network"
    assert outcome.risk_level == "normal" and 0 <= outcome.risk_score < 65
    assert outcome.rule is None and outcome.reason is None
    assert outcome.seller_message == "Payment complete."
    assert "explanation" not in outcome  # only when expanded (a Lynk extension)


def test_the_explanation_lists_the_signals_that_raised_the_score(
    client: stripe.StripeClient, server: LynkServer
) -> None:
    card = fresh_card()
    for _ in range(3):
        declined_charge(client, "4000000000000002")  # noise on another card: not this card's signals
    pay(client, card)
    pay(sdk_client(server, make_merchant(server).secret_key), card)
    pi = pay(client, card)  # the card at a second merchant within the day
    charge = client.v1.charges.retrieve(pi.latest_charge, params={"expand": ["outcome.explanation"]})  # type: ignore[arg-type]
    explanation = charge.outcome.explanation
    signals = [item["signal"] for item in explanation]
    assert "merchants_per_card_number_daily" in signals and "declined_charges_per_card_number_daily" not in signals
    contributions = [item["contribution"] for item in explanation]
    assert contributions == sorted(contributions, reverse=True)
    assert all(item["points"] >= 0 and item["description"] for item in explanation)
    plain = pay(client, fresh_card())
    expanded = client.v1.charges.retrieve(plain.latest_charge, params={"expand": ["outcome.explanation"]})  # type: ignore[arg-type]
    assert {item["signal"] for item in expanded.outcome.explanation} <= {"amount_in_usd"}  # nothing, or the amount
    assert all(item["contribution"] > 0 for item in explanation)  # what lowered the score is not listed


def test_the_highest_risk_card_is_blocked_by_the_default_rule(client: stripe.StripeClient) -> None:
    charge = declined_charge(client, HIGHEST)
    assert charge.outcome.type == "blocked"
    assert charge.outcome.network_status == "not_sent_to_network"
    assert charge.outcome.risk_level == "highest" and charge.outcome.risk_score >= 75
    assert charge.outcome.reason == "highest_risk_level"
    assert charge.outcome.rule == "rule_block_if_highest_risk"
    expanded = client.v1.charges.retrieve(charge.id, params={"expand": ["outcome.rule"]})
    assert expanded.outcome.rule.action == "block"
    assert expanded.outcome.rule.predicate == ":risk_level: = 'highest'"


def test_switching_the_default_block_rule_off_lets_the_highest_risk_card_through(
    client: stripe.StripeClient,
) -> None:
    deleted = client.raw_request("delete", "/v1/radar/rules/rule_block_if_highest_risk")
    assert client.deserialize(deleted, api_mode="V1").deleted is True
    pi = pay(client, HIGHEST)
    assert pi.status == "succeeded"
    outcome = client.v1.charges.retrieve(pi.latest_charge).outcome  # type: ignore[arg-type]
    assert outcome.type == "authorized" and outcome.risk_level == "highest"
    # 4100000000000019 is blocked whatever the rules.
    charge = declined_charge(client, ALWAYS_BLOCKED)
    assert charge.outcome.type == "blocked" and charge.outcome.reason == "highest_risk_level"
    assert charge.outcome.rule is None and charge.outcome.risk_level == "highest"


def test_the_elevated_risk_card_succeeds_in_review(client: stripe.StripeClient) -> None:
    pi = pay(client, ELEVATED)
    assert pi.status == "succeeded"
    outcome = client.v1.charges.retrieve(pi.latest_charge).outcome  # type: ignore[arg-type]
    assert outcome.type == "manual_review" and outcome.network_status == "approved_by_network"
    assert outcome.risk_level == "elevated" and 65 <= outcome.risk_score < 75
    assert outcome.reason == "elevated_risk_level" and outcome.rule == "rule_review_if_elevated_risk"
    assert "manual review" in outcome.seller_message
