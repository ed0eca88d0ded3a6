"""`/v1/reviews` as Stripe's API: a payment in review succeeds, and approving, refunding or a dispute closes it."""

from __future__ import annotations

import pytest
import stripe

from tests.disputes.support import FRAUDULENT
from tests.payments.bank_support import event_types
from tests.radar.support import ELEVATED, fresh_card, pay
from tests.radar.test_rules_api import rule


def test_a_review_opens_and_is_approved(client: stripe.StripeClient) -> None:
    pi = pay(client, ELEVATED)
    assert pi.status == "succeeded"
    [review] = client.v1.reviews.list().data
    assert review.id.startswith("prv_") and review.object == "review"
    assert (review.charge, review.payment_intent) == (pi.latest_charge, pi.id)
    assert review.open is True and review.reason == "rule" and review.opened_reason == "rule"
    assert review.closed_reason is None
    assert client.v1.payment_intents.retrieve(pi.id).review == review.id
    charge = client.v1.charges.retrieve(pi.latest_charge, params={"expand": ["review"]})  # type: ignore[arg-type]
    assert charge.review.id == review.id and charge.review.open is True  # type: ignore[union-attr]
    assert client.v1.reviews.retrieve(review.id, params={"expand": ["charge"]}).charge.id == pi.latest_charge  # type: ignore[union-attr]

    approved = client.v1.reviews.approve(review.id)
    assert approved.open is False and approved.reason == "approved" and approved.closed_reason == "approved"
    assert client.v1.reviews.list().data == []  # open reviews only, as Stripe lists them
    assert event_types(client, review.id) == ["review.opened", "review.closed"]
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.reviews.approve(review.id)
    assert again.value.http_status == 400
    # The payment stays as it was: succeeded, and refundable.
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_a_refund_closes_the_review(client: stripe.StripeClient) -> None:
    pi = pay(client, ELEVATED)
    [review] = client.v1.reviews.list().data
    client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 500})
    closed = client.v1.reviews.retrieve(review.id)
    assert closed.open is False and closed.closed_reason == "refunded"


def test_a_refund_as_fraud_closes_it_as_such(client: stripe.StripeClient) -> None:
    pi = pay(client, ELEVATED)
    [review] = client.v1.reviews.list().data
    client.v1.refunds.create(params={"payment_intent": pi.id, "reason": "fraudulent"})
    assert client.v1.reviews.retrieve(review.id).closed_reason == "refunded_as_fraud"


def test_a_dispute_closes_the_review(client: stripe.StripeClient) -> None:
    rule(client, "review", ":amount_in_usd: >= 10")
    pi = pay(client, FRAUDULENT, amount=1000)
    assert client.v1.reviews.list().data == []  # opened, then closed by the dispute the card brings
    review = client.v1.reviews.retrieve(_review_of(client, str(pi.latest_charge)))
    assert review.open is False and review.closed_reason == "disputed"
    assert client.v1.disputes.list(params={"payment_intent": pi.id}).data[0].reason == "fraudulent"


def _review_of(client: stripe.StripeClient, charge_id: str) -> str:
    events = client.v1.events.list(params={"type": "review.opened"}).data
    [found] = [e.data.object["id"] for e in events if e.data.object["charge"] == charge_id]
    return str(found)


def test_payments_outside_review_open_none(client: stripe.StripeClient) -> None:
    pay(client, fresh_card())
    assert client.v1.reviews.list().data == []
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.reviews.retrieve("prv_nope")
    assert missing.value.http_status == 404
