"""Paying by bank (us_bank_account, ACH debit) through the official SDK: processing, then the settlement job
moves the payment to succeeded or to a failure with the bank's code; the ledger books only settled money."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.merchants.factories import MerchantKeys
from tests.payments.bank_support import (
    FAILURES,
    MANDATE,
    ROUTING,
    SUCCEEDS,
    bank_method,
    books_balance,
    event_types,
    pay_by_bank,
    settle,
)
from tests.servers import LynkServer


def _usd(funds: list[stripe.Balance.Available] | list[stripe.Balance.Pending]) -> int:
    return sum(f.amount for f in funds if f.currency == "usd")


def test_a_bank_account_payment_method_shows_only_safe_facts(server: LynkServer, merchant: MerchantKeys) -> None:
    response = httpx.post(
        f"{server.base_url}/v1/payment_methods",
        data={
            "type": "us_bank_account",
            "us_bank_account[routing_number]": ROUTING,
            "us_bank_account[account_number]": SUCCEEDS,
            "us_bank_account[account_holder_type]": "company",
            "us_bank_account[account_type]": "savings",
            "billing_details[name]": "Jenny Rosen",
        },
        auth=(merchant.secret_key, ""),
    )
    assert response.status_code == 200, response.text
    assert SUCCEEDS not in response.text
    method = response.json()
    assert method["id"].startswith("pm_") and method["type"] == "us_bank_account"
    bank = method["us_bank_account"]
    assert bank["bank_name"] == "STRIPE TEST BANK"
    assert bank["last4"] == "6789"
    assert bank["routing_number"] == ROUTING
    assert (bank["account_holder_type"], bank["account_type"]) == ("company", "savings")
    assert bank["networks"] == {"preferred": "ach", "supported": ["ach"]}
    assert len(bank["fingerprint"]) == 16


def test_the_same_account_has_the_same_fingerprint(client: stripe.StripeClient) -> None:
    first, second = bank_method(client), bank_method(client)
    other = bank_method(client, "000222222227")
    assert first.us_bank_account is not None and second.us_bank_account is not None
    assert first.us_bank_account.fingerprint == second.us_bank_account.fingerprint
    assert other.us_bank_account is not None and other.us_bank_account.fingerprint != first.us_bank_account.fingerprint


def test_paying_by_bank_processes_then_settles(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = pay_by_bank(client, 10_000)
    assert pi.status == "processing"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.paid, charge.balance_transaction) == ("pending", False, None)
    assert charge.payment_method_details.type == "us_bank_account"
    details = charge.payment_method_details.us_bank_account
    assert details.last4 == "6789" and details.mandate.startswith("mandate_")
    assert event_types(client, pi.id) == ["payment_intent.created", "payment_intent.processing"]
    assert event_types(client, charge.id) == ["charge.pending"]
    assert client.v1.balance_transactions.list().data == []  # nothing is booked while processing
    books_balance(server)

    upkeep = settle(server)
    assert upkeep.bank_debits >= 1
    pi = client.v1.payment_intents.retrieve(pi.id)
    assert (pi.status, pi.amount_received) == ("succeeded", 10_000)
    charge = client.v1.charges.retrieve(pi.latest_charge, params={"expand": ["balance_transaction"]})
    assert (charge.status, charge.paid) == ("succeeded", True)
    txn = charge.balance_transaction
    assert (txn.type, txn.amount, txn.fee, txn.net, txn.status) == ("charge", 10_000, 80, 9_920, "pending")
    assert event_types(client, pi.id)[-1] == "payment_intent.succeeded"
    assert event_types(client, charge.id) == ["charge.pending", "charge.succeeded"]
    assert _usd(client.v1.balance.retrieve().pending) == 9_920
    books_balance(server)


def test_the_ach_fee_is_capped(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = pay_by_bank(client, 250_000)
    settle(server)
    charge = client.v1.charges.retrieve(pi.latest_charge, params={"expand": ["balance_transaction"]})
    assert (charge.balance_transaction.fee, charge.balance_transaction.net) == (500, 249_500)


@pytest.mark.parametrize("account", sorted(FAILURES))
def test_a_returned_debit_fails_with_the_banks_reason(
    server: LynkServer, client: stripe.StripeClient, account: str
) -> None:
    code, return_code = FAILURES[account]
    pi = pay_by_bank(client, 4_200, account)
    assert pi.status == "processing"
    settle(server)
    pi = client.v1.payment_intents.retrieve(pi.id)
    assert pi.status == "requires_payment_method"
    error = pi.last_payment_error
    assert error is not None
    assert error.code == code
    assert return_code in (error.message or "")
    assert error.payment_method is not None and error.payment_method.type == "us_bank_account"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.paid, charge.failure_code) == ("failed", False, code)
    assert charge.outcome.network_decline_code == return_code
    assert event_types(client, pi.id)[-1] == "payment_intent.payment_failed"
    assert event_types(client, charge.id) == ["charge.pending", "charge.failed"]
    assert client.v1.balance_transactions.list().data == []
    balance = client.v1.balance.retrieve()
    assert (_usd(balance.available), _usd(balance.pending)) == (0, 0)
    books_balance(server)


def test_a_failed_bank_payment_can_be_paid_again(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = pay_by_bank(client, 3_000, "000222222227")
    settle(server)
    again = client.v1.payment_intents.confirm(
        pi.id, params={"payment_method": bank_method(client).id, "mandate_data": MANDATE}
    )
    assert again.status == "processing"
    settle(server)
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"
    assert len(client.v1.charges.list(params={"payment_intent": pi.id}).data) == 2
    books_balance(server)


def test_payment_method_data_pays_by_bank_inline(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = client.v1.payment_intents.create(
        params={
            "amount": 1_500,
            "currency": "usd",
            "payment_method_types": ["card", "us_bank_account"],
            "payment_method_data": {
                "type": "us_bank_account",
                "us_bank_account": {"routing_number": ROUTING, "account_number": SUCCEEDS},
                "billing_details": {"name": "Jenny Rosen"},
            },
            "mandate_data": MANDATE,
            "confirm": True,
        }
    )
    assert pi.status == "processing"
    settle(server)
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_a_settled_bank_payment_can_be_refunded(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = pay_by_bank(client, 8_000)
    with pytest.raises(stripe.InvalidRequestError) as early:
        client.v1.refunds.create(params={"payment_intent": pi.id})
    assert early.value.code == "charge_not_refundable"
    settle(server)
    refund = client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 3_000})
    assert refund.status == "succeeded"
    txn = client.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (txn.type, txn.amount) == ("refund", -3_000)
    balance = client.v1.balance.retrieve()
    assert _usd(balance.available) + _usd(balance.pending) == 8_000 - 64 - 3_000
    books_balance(server)


def test_a_processing_payment_cannot_be_canceled_or_confirmed(client: stripe.StripeClient) -> None:
    pi = pay_by_bank(client, 2_000)
    with pytest.raises(stripe.InvalidRequestError) as cancel:
        client.v1.payment_intents.cancel(pi.id)
    assert cancel.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as confirm:
        client.v1.payment_intents.confirm(pi.id)
    assert confirm.value.code == "payment_intent_unexpected_state"


@pytest.mark.parametrize(
    ("fields", "param", "code"),
    [
        ({"billing_details[name]": None}, "billing_details[name]", "parameter_missing"),
        ({"us_bank_account[routing_number]": "110000001"}, "us_bank_account[routing_number]", "routing_number_invalid"),
        ({"us_bank_account[routing_number]": "11000000"}, "us_bank_account[routing_number]", "routing_number_invalid"),
        ({"us_bank_account[account_number]": "12ab5678"}, "us_bank_account[account_number]", "account_number_invalid"),
        ({"us_bank_account[account_number]": "123"}, "us_bank_account[account_number]", "account_number_invalid"),
        ({"us_bank_account[account_number]": None}, "us_bank_account[account_number]", "parameter_missing"),
        (
            {"us_bank_account[account_holder_type]": "alien"},
            "us_bank_account[account_holder_type]",
            "parameter_invalid",
        ),
        ({"us_bank_account[account_type]": "gold"}, "us_bank_account[account_type]", "parameter_invalid"),
        ({"us_bank_account[iban]": "x"}, "us_bank_account[iban]", "parameter_unknown"),
        ({"card[number]": "4242424242424242"}, "card", "parameter_unknown"),
    ],
)
def test_bad_bank_account_input_names_the_param(
    server: LynkServer, merchant: MerchantKeys, fields: dict[str, str | None], param: str, code: str
) -> None:
    data: dict[str, str | None] = {
        "type": "us_bank_account",
        "us_bank_account[routing_number]": ROUTING,
        "us_bank_account[account_number]": SUCCEEDS,
        "billing_details[name]": "Jenny Rosen",
        **fields,
    }
    sent = {key: value for key, value in data.items() if value is not None}
    response = httpx.post(f"{server.base_url}/v1/payment_methods", data=sent, auth=(merchant.secret_key, ""))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", param, code)
    assert SUCCEEDS not in response.text


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"payment_method_types": ["card"]}, "payment_method"),
        ({"mandate_data": None}, "mandate_data"),
        ({"currency": "eur"}, "currency"),
        ({"capture_method": "manual"}, "capture_method"),
    ],
)
def test_a_bank_payment_that_cannot_be_made_says_why(
    client: stripe.StripeClient, changes: dict[str, object], param: str
) -> None:
    params: dict[str, object] = {
        "amount": 1_000,
        "currency": "usd",
        "payment_method_types": ["us_bank_account"],
        "payment_method": bank_method(client).id,
        "mandate_data": MANDATE,
        "confirm": True,
        **changes,
    }
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(params={k: v for k, v in params.items() if v is not None})  # type: ignore[arg-type]
    assert refused.value.http_status == 400
    assert refused.value.param == param
    assert client.v1.payment_intents.list().data == []  # nothing half-written


def test_setup_future_usage_saves_the_bank_account_for_later(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    method = bank_method(client)
    pi = client.v1.payment_intents.create(
        params={
            "amount": 2_500,
            "currency": "usd",
            "customer": customer.id,
            "payment_method_types": ["us_bank_account"],
            "payment_method": method.id,
            "setup_future_usage": "off_session",
            "mandate_data": MANDATE,  # type: ignore[typeddict-item]
            "confirm": True,
        }
    )
    assert pi.status == "processing"
    assert client.v1.payment_methods.retrieve(method.id).customer == customer.id
    later = client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method_types": ["us_bank_account"],
            "payment_method": method.id,
            "off_session": True,
            "confirm": True,
        }
    )
    assert later.status == "processing"  # a merchant-initiated debit under the saved mandate
    settle(server)
    assert client.v1.payment_intents.retrieve(later.id).status == "succeeded"


def test_an_off_session_debit_needs_a_mandate_accepted_earlier(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    method = bank_method(client)
    client.v1.payment_methods.attach(method.id, params={"customer": customer.id})  # saved, but nobody consented
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(
            params={
                "amount": 1_000,
                "currency": "usd",
                "customer": customer.id,
                "payment_method_types": ["us_bank_account"],
                "payment_method": method.id,
                "off_session": True,
                "confirm": True,
            }
        )
    assert refused.value.http_status == 400
    assert refused.value.param == "mandate_data"
    assert client.v1.payment_intents.list().data == []  # no debit was sent


def test_a_debit_under_a_saved_mandate_names_it(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    method = bank_method(client)
    first = client.v1.payment_intents.create(
        params={
            "amount": 2_500,
            "currency": "usd",
            "customer": customer.id,
            "payment_method_types": ["us_bank_account"],
            "payment_method": method.id,
            "setup_future_usage": "off_session",
            "mandate_data": MANDATE,  # type: ignore[typeddict-item]
            "confirm": True,
        }
    )
    later = client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method_types": ["us_bank_account"],
            "payment_method": method.id,
            "off_session": True,
            "confirm": True,
        }
    )
    charges = [client.v1.charges.retrieve(str(pi.latest_charge)) for pi in (first, later)]
    mandate_ids = {c.payment_method_details.us_bank_account.mandate for c in charges}  # type: ignore[union-attr]
    assert len(mandate_ids) == 1
    mandate = client.v1.mandates.retrieve(mandate_ids.pop())  # type: ignore[arg-type]
    assert mandate.payment_method == method.id and mandate.status == "active"
    assert mandate.payment_method_details.type == "us_bank_account"
