"""Stripe's public test cards keep their documented outcome however often any developer tests with them; a
card of the network's own (not a public test number) keeps its full history at every merchant."""

from __future__ import annotations

import stripe

from tests.conftest import sdk_client
from tests.disputes.support import EARLY_FRAUD_WARNING, FRAUDULENT, dispute_of
from tests.merchants.factories import make_merchant
from tests.radar.support import declined_charge, fresh_card, pay, reported_card_charge
from tests.servers import LynkServer


def _disputed_again(client: stripe.StripeClient) -> stripe.Charge:
    """Pay with the dispute card: it succeeds at normal risk and is disputed as fraudulent."""
    pi = pay(client, FRAUDULENT)
    assert pi.status == "succeeded"
    assert dispute_of(client, pi).reason == "fraudulent"
    charge = client.v1.charges.retrieve(pi.latest_charge)  # type: ignore[arg-type]
    assert (charge.outcome.type, charge.outcome.risk_level) == ("authorized", "normal")
    return charge


def test_the_dispute_card_is_disputed_each_time_at_the_same_and_at_another_merchant(server: LynkServer) -> None:
    a = sdk_client(server, make_merchant(server).secret_key)
    b = sdk_client(server, make_merchant(server).secret_key)
    _disputed_again(a)
    _disputed_again(a)  # a developer repeating the test at the same account
    _disputed_again(b)  # another developer on the shared sandbox


def test_the_early_fraud_warning_card_warns_each_time(client: stripe.StripeClient) -> None:
    for _ in range(2):
        pi = pay(client, EARLY_FRAUD_WARNING)
        assert pi.status == "succeeded"
        assert len(client.v1.radar.early_fraud_warnings.list(params={"payment_intent": pi.id}).data) == 1


def test_a_merchant_s_own_rule_on_its_history_still_reads_a_public_test_card(client: stripe.StripeClient) -> None:
    """The score leaves the history out; a rule the merchant wrote on it still applies."""
    _disputed_again(client)
    client.raw_request("post", "/v1/radar/rules", action="block", predicate=":has_fraud_history: = true")
    charge = declined_charge(client, FRAUDULENT)
    assert (charge.outcome.type, charge.outcome.reason, charge.outcome.risk_level) == ("blocked", "rule", "normal")


def test_a_card_reported_at_one_merchant_is_refused_or_reviewed_at_another(server: LynkServer) -> None:
    """Not a public test number: the report at A is the network's history at B, in test mode too."""
    card = fresh_card()
    a = sdk_client(server, make_merchant(server).secret_key)
    b = sdk_client(server, make_merchant(server).secret_key)
    paid = pay(a, card)
    a.v1.charges.update(paid.latest_charge, params={"fraud_details": {"user_report": "fraudulent"}})  # type: ignore[arg-type]
    assert reported_card_charge(b, card).outcome.explanation[0]["signal"] == "has_fraud_history"


def test_a_public_test_card_scores_the_same_however_often_it_is_tested(client: stripe.StripeClient) -> None:
    """Its own windows (every test the merchant ran with it) are left out of the score: the tenth test scores
    as the first did."""
    paid = [pay(client, "4242424242424242") for _ in range(10)]
    scores = {client.v1.charges.retrieve(pi.latest_charge).outcome.risk_score for pi in paid}  # type: ignore[arg-type]
    assert len(scores) == 1


def test_a_merchant_s_own_rule_on_a_public_test_card_s_windows_still_counts_them(client: stripe.StripeClient) -> None:
    """Counted for a rule that reads them, though the score leaves them out."""
    client.raw_request(
        "post", "/v1/radar/rules", action="review", predicate=":total_charges_per_card_number_hourly: >= 2"
    )
    paid = [pay(client, "4000056655665556") for _ in range(3)]  # Visa debit: not a risk or dispute card
    outcomes = [client.v1.charges.retrieve(pi.latest_charge).outcome for pi in paid]  # type: ignore[arg-type]
    assert [o.type for o in outcomes] == ["authorized", "authorized", "manual_review"]
