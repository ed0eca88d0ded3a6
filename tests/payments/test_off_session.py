"""Charging a saved card off-session, row by row through the authentication table of the test cards:
statuses, `authentication_required`, events, the mandate the charge relies on, balances and the books."""

from __future__ import annotations

import pytest
import stripe

from tests.payments.setup_factories import (
    RETURN_URL,
    assert_books_balance,
    authenticate,
    card_method,
    event_types,
    pending_usd,
    save_card,
)
from tests.servers import LynkServer

AMOUNT = 10_000
NET = 10_000 - 320  # 2.9% + 30


def _charge_off_session(client: stripe.StripeClient, customer: str, pm: str) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={
            "amount": AMOUNT,
            "currency": "usd",
            "customer": customer,
            "payment_method": pm,
            "off_session": True,
            "confirm": True,
        }
    )


def _assert_authentication_required(client: stripe.StripeClient, customer: str, pm: str) -> stripe.PaymentIntent:
    before = pending_usd(client)
    with pytest.raises(stripe.CardError) as declined:
        _charge_off_session(client, customer, pm)
    error = declined.value.json_body["error"]
    assert declined.value.http_status == 402
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error",
        "authentication_required",
        "authentication_required",
    )
    pi = client.v1.payment_intents.retrieve(error["payment_intent"]["id"])
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == "authentication_required"
    assert pi.next_action is None
    assert event_types(client, pi.id)[-1] == "payment_intent.payment_failed"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.failure_code, charge.balance_transaction) == (
        "failed",
        "authentication_required",
        None,
    )
    assert pending_usd(client) == before
    return pi


@pytest.mark.parametrize(
    ("number", "challenged_at_setup"),
    [
        ("4000002500003155", True),  # authentication at setup, none off-session
        ("4000003800000446", True),  # authentication once at setup, later off-session payments succeed
        ("4000000000003055", False),  # 3DS supported, not required
        ("4242424242424242", False),
    ],
)
def test_a_card_set_up_with_a_setup_intent_is_charged_off_session(
    server: LynkServer, client: stripe.StripeClient, number: str, challenged_at_setup: bool
) -> None:
    customer = client.v1.customers.create()
    si = save_card(server, client, number, customer.id)
    assert si.status == "succeeded" and si.mandate is not None
    attempts = client.v1.setup_attempts.list(params={"setup_intent": si.id}).data
    assert (attempts[0].payment_method_details.card.three_d_secure is not None) == challenged_at_setup
    before = pending_usd(client)
    pi = _charge_off_session(client, customer.id, si.payment_method)
    assert (pi.status, pi.amount_received, pi.last_payment_error) == ("succeeded", AMOUNT, None)
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.payment_method_details.card.mandate == si.mandate
    assert charge.paid and charge.outcome.type == "authorized"
    assert event_types(client, pi.id) == ["payment_intent.created", "payment_intent.succeeded"]
    assert pending_usd(client) == before + NET
    assert_books_balance(server)


def test_3155_set_up_by_an_on_session_payment_succeeds_off_session(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create()
    pm = card_method(client, "4000002500003155")
    first = client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": pm.id,
            "setup_future_usage": "off_session",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    )
    assert first.status == "requires_action"  # on-session, this card asks for authentication
    authenticate(server, first, "complete")
    assert client.v1.payment_intents.retrieve(first.id).status == "succeeded"
    assert [p.id for p in client.v1.customers.payment_methods.list(customer.id).data] == [pm.id]
    first_charge = client.v1.charges.retrieve(client.v1.payment_intents.retrieve(first.id).latest_charge)
    assert first_charge.payment_method_details.card.mandate is None  # on-session: no mandate used
    pi = _charge_off_session(client, customer.id, pm.id)
    assert pi.status == "succeeded"
    mandate_id = client.v1.charges.retrieve(pi.latest_charge).payment_method_details.card.mandate
    mandate = client.v1.mandates.retrieve(mandate_id)
    assert (mandate.payment_method, mandate.status, mandate.type) == (pm.id, "active", "multi_use")
    assert_books_balance(server)


def test_3155_never_set_up_requires_authentication_off_session(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    pm = card_method(client, "4000002500003155")
    client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})  # saved, but never set up
    _assert_authentication_required(client, customer.id, pm.id)
    assert_books_balance(server)


def test_on_session_setup_does_not_prepare_off_session_charges(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    si = save_card(server, client, "4000002500003155", customer.id, usage="on_session")
    assert (si.status, si.mandate) == ("succeeded", None)
    _assert_authentication_required(client, customer.id, si.payment_method)
    assert_books_balance(server)


@pytest.mark.parametrize("number", ["4000002760003184", "4000000000003220"])
def test_cards_that_always_authenticate_fail_off_session_and_recover_on_session(
    server: LynkServer, client: stripe.StripeClient, number: str
) -> None:
    customer = client.v1.customers.create()
    si = save_card(server, client, number, customer.id)
    assert si.status == "succeeded"
    pi = _assert_authentication_required(client, customer.id, si.payment_method)
    # The merchant brings the shopper back: confirm on-session, and the shopper authenticates.
    back = client.v1.payment_intents.confirm(
        pi.id, params={"payment_method": si.payment_method, "off_session": False, "return_url": RETURN_URL}
    )
    assert back.status == "requires_action"
    before = pending_usd(client)
    authenticate(server, back, "complete")
    paid = client.v1.payment_intents.retrieve(pi.id)
    assert (paid.status, paid.amount_received) == ("succeeded", AMOUNT)
    assert pending_usd(client) == before + NET
    assert event_types(client, pi.id) == [
        "payment_intent.created",
        "payment_intent.payment_failed",
        "payment_intent.requires_action",
        "payment_intent.succeeded",
    ]
    assert_books_balance(server)


@pytest.mark.parametrize(
    ("number", "decline_code"), [("4000008400001629", "generic_decline"), ("4000008260003178", "insufficient_funds")]
)
def test_cards_declined_after_authentication_cannot_be_set_up_nor_charged_off_session(
    server: LynkServer, client: stripe.StripeClient, number: str, decline_code: str
) -> None:
    customer = client.v1.customers.create()
    si = save_card(server, client, number, customer.id)
    assert (si.status, si.mandate) == ("requires_payment_method", None)
    assert (si.last_setup_error.code, si.last_setup_error.decline_code) == ("card_declined", decline_code)
    assert event_types(client, si.id)[-1] == "setup_intent.setup_failed"
    assert client.v1.customers.payment_methods.list(customer.id).data == []
    pm = card_method(client, number)
    client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
    _assert_authentication_required(client, customer.id, pm.id)
    assert_books_balance(server)


def test_a_card_that_declines_every_charge_is_declined_off_session(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create()
    si = save_card(server, client, "4000000000000341", customer.id)
    assert si.status == "succeeded"
    with pytest.raises(stripe.CardError) as declined:
        _charge_off_session(client, customer.id, si.payment_method)
    assert declined.value.code == "card_declined"
    assert (
        client.v1.payment_intents.retrieve(declined.value.json_body["error"]["payment_intent"]["id"]).status
        == "requires_payment_method"
    )
    assert_books_balance(server)


def test_off_session_needs_confirm(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.payment_intents.create(
            params={"amount": 1_000, "currency": "usd", "payment_method": "pm_card_visa", "off_session": True}
        )
    assert (error.value.http_status, error.value.param) == (400, "off_session")


def test_a_detached_card_is_no_longer_covered_by_its_mandate(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    si = save_card(server, client, "4000002500003155", customer.id)
    client.v1.payment_methods.detach(si.payment_method)
    assert client.v1.mandates.retrieve(si.mandate).status == "inactive"
    other = client.v1.customers.create()
    client.v1.payment_methods.attach(si.payment_method, params={"customer": other.id})
    _assert_authentication_required(client, other.id, si.payment_method)
    assert_books_balance(server)


@pytest.mark.parametrize("kind", ["one_off", "recurring"])
def test_off_session_takes_stripes_kinds_of_merchant_initiated_payment(
    server: LynkServer, client: stripe.StripeClient, kind: str
) -> None:
    customer = client.v1.customers.create()
    si = save_card(server, client, "4000002500003155", customer.id)
    pi = client.v1.payment_intents.create(
        params={
            "amount": AMOUNT,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": si.payment_method,
            "off_session": kind,  # type: ignore[typeddict-item]
            "confirm": True,
        }
    )
    assert pi.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as bad:
        client.v1.payment_intents.create(
            params={"amount": AMOUNT, "currency": "usd", "off_session": "sometimes", "confirm": True}  # type: ignore[typeddict-item]
        )
    assert bad.value.param == "off_session"
