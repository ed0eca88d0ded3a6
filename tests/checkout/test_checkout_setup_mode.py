"""Checkout Sessions in `mode=setup`, through the SDK and the hosted page's own calls: a SetupIntent
instead of a PaymentIntent, the card saved, the session complete with nothing paid, expiry."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import stripe

from tests.checkout.factories import Shopper
from tests.servers import LynkServer


def setup_session(client: stripe.StripeClient, **extra: Any) -> stripe.checkout.Session:
    params: dict[str, Any] = {
        "mode": "setup",
        "currency": "eur",
        "success_url": "https://shop.example/saved?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.example/account",
    }
    params.update(extra)
    return client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]


def test_create_gives_a_setup_intent_and_nothing_to_pay(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "saver@example.com"})
    session = setup_session(client, customer=customer.id)
    assert session.mode == "setup" and session.status == "open"
    assert session.payment_intent is None and session.setup_intent is not None
    assert session.payment_status == "no_payment_required" and session.amount_total == 0
    assert session.currency == "eur"
    expanded = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["setup_intent"]})
    si = expanded.setup_intent
    assert isinstance(si, stripe.SetupIntent)
    assert si.status == "requires_payment_method" and si.customer == customer.id and si.usage == "off_session"


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        (
            {
                "line_items": [
                    {
                        "price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "x"}},
                        "quantity": 1,
                    }
                ]
            },
            "line_items",
        ),
        ({"payment_method_types": ["card", "link"]}, "payment_method_types"),
        ({"currency": "xyz"}, "currency"),
    ],
)
def test_setup_mode_refuses_what_it_cannot_do(client: stripe.StripeClient, extra: dict[str, Any], param: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        setup_session(client, **extra)
    assert error.value.param == param


def test_the_page_saves_the_card_and_completes_the_session(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "saver@example.com"})
    session = setup_session(client, customer=customer.id)
    shopper = Shopper(server)
    page = shopper.open(session.url or "")
    assert ">Save card</button>" in page.text and "Order summary" not in page.text
    saved = shopper.pay(session.id, email="saver@example.com")
    assert saved.json() == {
        "outcome": "succeeded",
        "redirect": f"https://shop.example/saved?session_id={session.id}",
    }
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.status == "complete" and done.payment_status == "no_payment_required"
    si = client.v1.setup_intents.retrieve(str(done.setup_intent))
    assert si.status == "succeeded" and si.payment_method is not None
    method = client.v1.payment_methods.retrieve(str(si.payment_method))
    assert method.customer == customer.id and method.card is not None and method.card.last4 == "4242"
    events = client.v1.events.list(params={"type": "checkout.session.completed"}).data
    assert [e.data.object["id"] for e in events] == [session.id]  # type: ignore[index]
    again = shopper.pay(session.id, email="saver@example.com")  # a second click saves nothing more
    assert again.json()["outcome"] == "succeeded"


def test_a_refused_card_says_so_and_another_card_saves(server: LynkServer, client: stripe.StripeClient) -> None:
    session = setup_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    refused = shopper.pay(session.id, "4000000000000002")
    assert refused.status_code == 402 and refused.json()["message"] == "Your card was declined."
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert shopper.pay(session.id).json()["outcome"] == "succeeded"


def test_expire_cancels_the_setup_intent(client: stripe.StripeClient) -> None:
    session = setup_session(client)
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    si = client.v1.setup_intents.retrieve(str(session.setup_intent))
    assert si.status == "canceled" and si.cancellation_reason == "abandoned"


def test_a_link_payment_posted_to_a_setup_session_is_refused_not_a_500(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    session = setup_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    answer = shopper.http.post(
        f"/c/pay/{session.id}/confirm",
        json={"link": {"secret": "lcs_secret_whatever", "payment_detail": ""}},
        headers={"X-CSRF-Token": shopper.token, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["outcome"] == "error"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
