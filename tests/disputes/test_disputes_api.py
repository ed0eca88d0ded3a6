"""Disputes through the official SDK: the dispute test cards open one, evidence wins or loses it, accepting
or ignoring it loses it; the disputed amount and fee leave the balance and come back on a win."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.disputes.support import (
    DISPUTE_FEE,
    FRAUDULENT,
    INQUIRY,
    PRODUCT_NOT_RECEIVED,
    dispute_of,
    pay_with_card,
    usd,
)
from tests.merchants.factories import MerchantKeys
from tests.payments.bank_support import books_balance, event_types, run_jobs
from tests.servers import LynkServer

CARD_FEE = 320  # 2.9% + 30 of 10_000


def test_the_fraudulent_card_opens_a_chargeback(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = pay_with_card(client, FRAUDULENT)
    assert pi.status == "succeeded"
    dispute = dispute_of(client, pi)
    assert dispute.id.startswith("dp_")
    assert (dispute.amount, dispute.currency, dispute.reason, dispute.status) == (
        10_000,
        "usd",
        "fraudulent",
        "needs_response",
    )
    assert dispute.charge == pi.latest_charge and dispute.payment_intent == pi.id
    assert dispute.is_charge_refundable is False
    assert dispute.evidence.uncategorized_text is None
    details = dispute.evidence_details
    assert details.due_by > dispute.created and details.has_evidence is False and details.submission_count == 0
    assert dispute.payment_method_details.card.case_type == "chargeback"
    [withdrawal] = dispute.balance_transactions
    assert (withdrawal.type, withdrawal.reporting_category) == ("adjustment", "dispute")
    assert (withdrawal.amount, withdrawal.fee, withdrawal.net) == (-10_000, DISPUTE_FEE, -10_000 - DISPUTE_FEE)
    assert client.v1.charges.retrieve(pi.latest_charge).disputed is True
    assert usd(client) == (-10_000 - DISPUTE_FEE, 10_000 - CARD_FEE)
    assert event_types(client, dispute.id) == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    assert client.v1.disputes.retrieve(dispute.id).status == "needs_response"
    books_balance(server)


def test_winning_evidence_wins_and_reinstates_the_funds(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = pay_with_card(client, FRAUDULENT)
    dispute = dispute_of(client, pi)
    submitted = client.v1.disputes.update(
        dispute.id,
        params={
            "evidence": {"uncategorized_text": "winning_evidence", "customer_name": "Jenny"},
            "metadata": {"a": "1"},
        },
    )
    assert submitted.status == "under_review"
    assert submitted.evidence.uncategorized_text == "winning_evidence"
    assert submitted.evidence_details.has_evidence is True and submitted.evidence_details.submission_count == 1
    assert submitted.metadata.to_dict() == {"a": "1"}
    upkeep = run_jobs(server)
    assert upkeep.disputes_decided >= 1
    won = client.v1.disputes.retrieve(dispute.id)
    assert won.status == "won"
    assert [t.reporting_category for t in won.balance_transactions] == ["dispute", "dispute_reversal"]
    assert won.balance_transactions[1].net == 10_000 + DISPUTE_FEE
    assert usd(client) == (0, 10_000 - CARD_FEE)
    assert event_types(client, dispute.id) == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ]
    books_balance(server)


def test_losing_evidence_loses(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = pay_with_card(client, PRODUCT_NOT_RECEIVED)
    dispute = dispute_of(client, pi)
    assert dispute.reason == "product_not_received"
    client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_text": "losing_evidence"}})
    run_jobs(server)
    lost = client.v1.disputes.retrieve(dispute.id)
    assert lost.status == "lost"
    assert len(lost.balance_transactions) == 1
    assert usd(client) == (-10_000 - DISPUTE_FEE, 10_000 - CARD_FEE)
    assert event_types(client, dispute.id)[-1] == "charge.dispute.closed"
    books_balance(server)


def test_staged_evidence_waits_for_submit(server: LynkServer, client: stripe.StripeClient) -> None:
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    staged = client.v1.disputes.update(
        dispute.id, params={"evidence": {"uncategorized_text": "winning_evidence"}, "submit": False}
    )
    assert staged.status == "needs_response" and staged.evidence_details.has_evidence is True
    run_jobs(server)
    assert client.v1.disputes.retrieve(dispute.id).status == "needs_response"
    assert client.v1.disputes.update(dispute.id, params={"submit": True}).status == "under_review"
    run_jobs(server)
    assert client.v1.disputes.retrieve(dispute.id).status == "won"


def test_closing_accepts_the_dispute(server: LynkServer, client: stripe.StripeClient) -> None:
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    closed = client.v1.disputes.close(dispute.id)
    assert closed.status == "lost"
    assert usd(client) == (-10_000 - DISPUTE_FEE, 10_000 - CARD_FEE)
    assert event_types(client, dispute.id)[-1] == "charge.dispute.closed"
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.disputes.close(dispute.id)
    assert again.value.code == "dispute_already_closed"
    with pytest.raises(stripe.InvalidRequestError) as late:
        client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_text": "winning_evidence"}})
    assert late.value.code == "dispute_already_closed"
    books_balance(server)


def test_an_unanswered_dispute_is_lost_when_its_deadline_passes(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    server.clock.advance(server.settings.dispute_evidence_seconds - 3600)
    run_jobs(server)
    assert client.v1.disputes.retrieve(dispute.id).status == "needs_response"
    server.clock.advance(3600 + 2)
    upkeep = run_jobs(server)
    assert upkeep.disputes_expired >= 1
    expired = client.v1.disputes.retrieve(dispute.id)
    assert expired.status == "lost"
    assert event_types(client, dispute.id)[-1] == "charge.dispute.closed"
    books_balance(server)


def test_a_chargeback_blocks_refunds_but_an_inquiry_does_not(server: LynkServer, client: stripe.StripeClient) -> None:
    charged_back = pay_with_card(client, FRAUDULENT)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": charged_back.id})
    assert refused.value.code == "charge_disputed"

    pi = pay_with_card(client, INQUIRY)
    inquiry = dispute_of(client, pi)
    assert inquiry.status == "warning_needs_response"
    assert inquiry.is_charge_refundable is True
    assert inquiry.balance_transactions == []
    assert inquiry.payment_method_details.card.case_type == "inquiry"
    assert event_types(client, inquiry.id) == ["charge.dispute.created"]
    client.v1.disputes.update(inquiry.id, params={"evidence": {"uncategorized_text": "winning_evidence"}})
    run_jobs(server)
    assert client.v1.disputes.retrieve(inquiry.id).status == "warning_closed"
    assert client.v1.refunds.create(params={"payment_intent": pi.id}).status == "succeeded"
    books_balance(server)


def test_list_filters(client: stripe.StripeClient) -> None:
    first = pay_with_card(client, FRAUDULENT)
    second = pay_with_card(client, PRODUCT_NOT_RECEIVED)
    pay_with_card(client, "4242424242424242")
    everything = client.v1.disputes.list().data
    assert [d.payment_intent for d in everything] == [second.id, first.id]
    by_charge = client.v1.disputes.list(params={"charge": first.latest_charge}).data
    assert [d.payment_intent for d in by_charge] == [first.id]
    created = everything[0].created
    assert len(client.v1.disputes.list(params={"created": {"gte": created}}).data) >= 1
    assert client.v1.disputes.list(params={"created": {"gt": created + 10}}).data == []
    assert len(client.v1.disputes.list(params={"limit": 1}).data) == 1


def test_bad_input_is_refused_with_the_param(server: LynkServer, client: stripe.StripeClient) -> None:
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.disputes.update(dispute.id, params={"evidence": {"favourite_colour": "blue"}})  # type: ignore[typeddict-unknown-key]
    assert (unknown.value.code, unknown.value.param) == ("parameter_unknown", "evidence[favourite_colour]")
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.disputes.retrieve("dp_nope")
    assert (missing.value.http_status, missing.value.param) == (404, "id")
    with pytest.raises(stripe.InvalidRequestError) as submit:
        client.v1.disputes.update(dispute.id, params={"submit": "maybe"})  # type: ignore[typeddict-item]
    assert submit.value.param == "submit"
    with pytest.raises(stripe.InvalidRequestError) as long_text:
        client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_text": "x" * 20_001}})
    assert long_text.value.param == "evidence[uncategorized_text]"


def test_another_merchants_dispute_is_not_found(server: LynkServer, merchant: MerchantKeys) -> None:
    from tests.conftest import sdk_client
    from tests.merchants.factories import make_merchant

    owner = sdk_client(server, merchant.secret_key)
    dispute = dispute_of(owner, pay_with_card(owner, FRAUDULENT))
    stranger = make_merchant(server)
    response = httpx.get(f"{server.base_url}/v1/disputes/{dispute.id}", auth=(stranger.secret_key, ""))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"
    response = httpx.post(f"{server.base_url}/v1/disputes/{dispute.id}/close", auth=(stranger.secret_key, ""))
    assert response.status_code == 404


def test_expand_the_charge_and_the_balance_transactions_source(client: stripe.StripeClient) -> None:
    pi = pay_with_card(client, FRAUDULENT)
    dispute = dispute_of(client, pi)
    expanded = client.v1.disputes.retrieve(dispute.id, params={"expand": ["charge", "payment_intent"]})
    assert expanded.charge.id == pi.latest_charge and expanded.charge.disputed is True
    assert expanded.payment_intent.id == pi.id
    txn = client.v1.balance_transactions.retrieve(dispute.balance_transactions[0].id, params={"expand": ["source"]})
    assert txn.source.id == dispute.id and txn.source.object == "dispute"
