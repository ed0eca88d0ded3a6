"""GET /v1/balance and /v1/balance_transactions through the official SDK, with money booked by the service."""

from __future__ import annotations

import pytest
import stripe

from lynk.core.scope import Scope
from tests.conftest import sdk_client
from tests.ledger.support import book_charge, book_refund, now_of
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


def _scope(merchant: MerchantKeys) -> Scope:
    return Scope(merchant.id, livemode=False)


def test_a_new_merchant_has_a_zero_balance(client: stripe.StripeClient) -> None:
    balance = client.v1.balance.retrieve()
    assert balance.object == "balance"
    assert balance.livemode is False
    assert balance.to_dict()["available"] == [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}]
    assert balance.to_dict()["pending"] == [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}]
    assert client.v1.balance_transactions.list().data == []


def test_balance_and_balance_transactions(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    scope, now = _scope(merchant), now_of(server)
    first = book_charge(server.write, scope, 10_000, now=now)  # net 9_680, pending
    second = book_charge(server.write, scope, 5_000, now=now, immediate=True)  # net 4_825, available
    refund = book_refund(server.write, scope, second, 1_000, now=now)
    book_charge(server.write, scope, 1_000, now=now, currency="eur")  # net 941, pending

    balance = client.v1.balance.retrieve().to_dict()
    assert balance["available"] == [
        {"amount": 0, "currency": "eur", "source_types": {"card": 0}},
        {"amount": 3_825, "currency": "usd", "source_types": {"card": 3_825}},
    ]
    assert balance["pending"] == [
        {"amount": 941, "currency": "eur", "source_types": {"card": 941}},
        {"amount": 9_680, "currency": "usd", "source_types": {"card": 9_680}},
    ]

    listed = client.v1.balance_transactions.list()
    assert [t.type for t in listed.data] == ["charge", "refund", "charge", "charge"]  # newest first
    assert listed.url == "/v1/balance_transactions"
    txn = client.v1.balance_transactions.retrieve(first.id)
    assert txn.to_dict() == {
        "id": first.id,
        "object": "balance_transaction",
        "amount": 10_000,
        "available_on": first.available_on,
        "balance_type": "payments",
        "created": now,
        "currency": "usd",
        "description": None,
        "exchange_rate": None,
        "fee": 320,
        "fee_details": [
            {
                "amount": 320,
                "application": None,
                "currency": "usd",
                "description": "Lynk processing fees",
                "type": "stripe_fee",
            }
        ],
        "net": 9_680,
        "reporting_category": "charge",
        "source": first.source,
        "status": "pending",
        "type": "charge",
    }
    assert isinstance(txn, stripe.BalanceTransaction)
    assert client.v1.balance_transactions.retrieve(refund.id).to_dict()["amount"] == -1_000


def test_filters_and_pages(server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient) -> None:
    scope, now = _scope(merchant), now_of(server)
    charges = [book_charge(server.write, scope, 1_000 + i, now=now + i) for i in range(5)]
    refund = book_refund(server.write, scope, charges[0], 100, now=now + 10)

    only_refunds = client.v1.balance_transactions.list(params={"type": "refund"}).data
    assert [t.id for t in only_refunds] == [refund.id]
    by_source = client.v1.balance_transactions.list(params={"source": charges[2].source}).data
    assert [t.id for t in by_source] == [charges[2].id]
    recent = client.v1.balance_transactions.list(params={"created": {"gte": now + 3, "lt": now + 10}}).data
    assert [t.id for t in recent] == [charges[4].id, charges[3].id]
    assert client.v1.balance_transactions.list(params={"currency": "eur"}).data == []

    page = client.v1.balance_transactions.list(params={"limit": 2, "type": "charge"})
    assert [t.id for t in page.data] == [charges[4].id, charges[3].id]
    assert page.has_more is True
    rest = client.v1.balance_transactions.list(params={"limit": 10, "type": "charge", "starting_after": charges[3].id})
    assert [t.id for t in rest.data] == [charges[2].id, charges[1].id, charges[0].id]
    assert rest.has_more is False
    seen = [t.id for t in client.v1.balance_transactions.list(params={"limit": 2}).auto_paging_iter()]
    assert seen == [refund.id, *[c.id for c in reversed(charges)]]


def test_balance_transactions_are_scoped_to_the_merchant(server: LynkServer, client: stripe.StripeClient) -> None:
    other = make_merchant(server)
    theirs = book_charge(server.write, Scope(other.id, livemode=False), 2_000, now=now_of(server))
    assert sdk_client(server, other.secret_key).v1.balance.retrieve().to_dict()["pending"][0]["amount"] == 1_912
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.balance_transactions.retrieve(theirs.id)
    assert missing.value.http_status == 404
    assert "No such balance_transaction" in str(missing.value)
    assert client.v1.balance_transactions.list().data == []
    assert client.v1.balance.retrieve().to_dict()["pending"][0]["amount"] == 0


def test_bad_list_parameters_are_stripe_errors(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.balance_transactions.list(params={"payout_id": "po_1"})  # type: ignore[typeddict-unknown-key]
    assert unknown.value.code == "parameter_unknown"
    with pytest.raises(stripe.InvalidRequestError) as bad_limit:
        client.v1.balance_transactions.list(params={"limit": 0})
    assert bad_limit.value.param == "limit"
