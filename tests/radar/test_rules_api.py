"""`/v1/radar/rules` (a Lynk extension): create, list, delete, test; every action in Radar's order."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.radar.support import declined_charge, fresh_card, pay
from tests.servers import LynkServer


def call(client: stripe.StripeClient, method: str, path: str, **params: Any) -> Any:
    return client.deserialize(client.raw_request(method, path, **params), api_mode="V1")


def rule(client: stripe.StripeClient, action: str, predicate: str) -> Any:
    return call(client, "post", "/v1/radar/rules", action=action, predicate=predicate)


def test_a_rule_with_a_syntax_error_is_refused_with_its_column(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as bad:
        rule(client, "block", ":amount_in_usd: >> 100")
    assert bad.value.http_status == 400 and bad.value.param == "predicate"
    assert "column 18" in str(bad.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        rule(client, "block", ":amount_in_euros: > 100")
    assert "unknown attribute :amount_in_euros:" in str(unknown.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as action:
        rule(client, "deny", ":amount_in_usd: > 100")
    assert action.value.param == "action"


def test_rules_are_listed_with_the_defaults_and_deleted(client: stripe.StripeClient) -> None:
    created = rule(client, "review", ":card_country: IN ('FR', 'DE') AND :amount_in_usd: > 500")
    assert created.id.startswith("rule_") and created.action == "review" and created.default is False
    listed = call(client, "get", "/v1/radar/rules").data
    ids = [r.id for r in listed]
    assert "rule_block_if_highest_risk" in ids and "rule_review_if_elevated_risk" in ids and created.id in ids
    assert call(client, "get", f"/v1/radar/rules/{created.id}").predicate == created.predicate
    assert call(client, "delete", f"/v1/radar/rules/{created.id}").deleted is True
    assert created.id not in [r.id for r in call(client, "get", "/v1/radar/rules").data]
    with pytest.raises(stripe.InvalidRequestError) as gone:
        call(client, "delete", f"/v1/radar/rules/{created.id}")
    assert gone.value.http_status == 404


def test_rules_need_the_secret_key(server: LynkServer, merchant: MerchantKeys) -> None:
    browser = sdk_client(server, merchant.publishable_key)
    with pytest.raises(stripe.AuthenticationError):
        rule(browser, "allow", ":amount_in_usd: < 1")


def test_a_block_rule_blocks_before_the_processor(client: stripe.StripeClient) -> None:
    created = rule(client, "block", ":amount_in_usd: > 900")
    charge = declined_charge(client, fresh_card(), amount=90_001)
    assert charge.outcome.type == "blocked" and charge.outcome.reason == "rule"
    assert charge.outcome.rule == created.id and charge.outcome.network_status == "not_sent_to_network"
    assert charge.failure_code == "card_declined"
    assert pay(client, fresh_card(), amount=90_000).status == "succeeded"


def test_allow_wins_over_block_and_review(client: stripe.StripeClient) -> None:
    """Radar's example: allow under $10 and normal-risk payments; block over $1,000. A $1,500 normal payment passes."""
    allow = rule(client, "allow", ":risk_level: = 'normal' AND :card_brand: = 'visa'")
    rule(client, "block", ":amount_in_usd: > 1000")
    rule(client, "review", ":amount_in_usd: > 1")
    pi = pay(client, fresh_card(), amount=150_000)
    outcome = client.v1.charges.retrieve(pi.latest_charge).outcome  # type: ignore[arg-type]
    assert outcome.type == "authorized" and outcome.rule == allow.id
    # A Mastercard is not allowed by that rule: the block rule wins over the review rule.
    charge = declined_charge(client, "5555555555554444", amount=150_000)
    assert charge.outcome.type == "blocked"


def test_request_credentials_asks_for_3d_secure_first(client: stripe.StripeClient) -> None:
    rule(client, "request_credentials", ":amount_in_usd: >= 250")
    pi = pay(client, fresh_card(), amount=25_000, return_url="https://shop.example/done")
    assert pi.status == "requires_action" and pi.next_action.type == "redirect_to_url"
    assert pay(client, fresh_card(), amount=24_999).status == "succeeded"


def test_testing_a_rule_counts_the_last_30_days_payments_it_matches(client: stripe.StripeClient) -> None:
    for amount in (1000, 5000, 90_000):
        pay(client, fresh_card(), amount=amount)
    declined_charge(client, "4000000000000002", amount=70_000)
    tested = call(client, "post", "/v1/radar/rules/test", action="block", predicate=":amount_in_usd: > 20")
    assert (tested.matched, tested.total) == (3, 4)  # $50, $900 and the declined $700
    none = call(client, "post", "/v1/radar/rules/test", action="review", predicate=":card_country: = 'ZZ'")
    assert none.matched == 0
    assert call(client, "get", "/v1/radar/rules").data[-1].action != "block"  # testing created nothing
