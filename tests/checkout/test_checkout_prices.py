"""Checkout line items from Prices: the prebuilt checkout sample's flow, server side with the SDK."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.checkout.factories import Shopper
from tests.servers import LynkServer


def _session(client: stripe.StripeClient, *lines: dict[str, Any]) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": list(lines),  # type: ignore[typeddict-item]
            "success_url": "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://shop.example/canceled",
        }
    )


def test_prebuilt_checkout_with_prices(server: LynkServer, client: stripe.StripeClient) -> None:
    """accept-a-payment/prebuilt-checkout-page: the shop finds its price by lookup key, creates a
    session with it, sends the shopper to `url`; the shopper pays; the shop reads the session."""
    client.v1.products.create(
        params={"name": "Stubborn Attachments", "default_price_data": {"currency": "usd", "unit_amount": 2000}}
    )
    product = client.v1.products.create(params={"name": "Photo print"})
    client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 500, "lookup_key": "print_small"}
    )
    price = client.v1.prices.list(params={"lookup_keys": ["print_small"]}).data[0]
    book = client.v1.products.list(params={"active": True}).data[-1]
    session = _session(client, {"price": price.id, "quantity": 3}, {"price": book.default_price, "quantity": 1})
    assert session.amount_total == 3 * 500 + 2000
    assert session.url is not None
    shopper = Shopper(server)
    assert shopper.open(session.url).status_code == 200
    paid = shopper.pay(session.id)
    assert paid.status_code == 200, paid.text
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert client.v1.payment_intents.retrieve(done.payment_intent).amount_received == 3500  # type: ignore[arg-type]
    lines = client.v1.checkout.sessions.line_items.list(session.id, params={"expand": ["data.price.product"]}).data
    assert [(line.description, line.quantity, line.amount_total) for line in lines] == [
        ("Photo print", 3, 1500),
        ("Stubborn Attachments", 1, 2000),
    ]
    assert lines[0].price is not None and lines[0].price.id == price.id
    assert lines[0].price.lookup_key == "print_small"
    assert lines[0].price.product.name == "Photo print"  # type: ignore[union-attr]


def test_price_lines_mix_with_price_data(client: stripe.StripeClient) -> None:
    price = client.v1.prices.create(params={"currency": "usd", "unit_amount": 700, "product_data": {"name": "Mug"}})
    inline = {"price_data": {"currency": "usd", "unit_amount": 300, "product_data": {"name": "Card"}}, "quantity": 2}
    session = _session(client, {"price": price.id, "quantity": 1}, inline)
    assert session.amount_total == 1300
    lines = client.v1.checkout.sessions.line_items.list(session.id, params={"expand": ["data.price"]}).data
    assert lines[0].price is not None and lines[0].price.id == price.id
    assert lines[1].price is not None and lines[1].price.unit_amount == 300


def test_bad_price_lines_name_the_line(client: stripe.StripeClient) -> None:
    def refused(*lines: dict[str, Any]) -> stripe.InvalidRequestError:
        with pytest.raises(stripe.InvalidRequestError) as error:
            _session(client, *lines)
        return error.value

    product = client.v1.products.create(params={"name": "Plan"})
    archived = client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 500, "active": False}
    )
    monthly = client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 500, "recurring": {"interval": "month"}}
    )
    euros = client.v1.prices.create(params={"product": product.id, "currency": "eur", "unit_amount": 500})
    dollars = client.v1.prices.create(params={"product": product.id, "currency": "usd", "unit_amount": 500})
    assert refused({"price": archived.id}).param == "line_items[0][price]"
    assert refused({"price": monthly.id}).param == "line_items[0][price]"
    missing = refused({"price": "price_nope"})
    assert (missing.http_status, missing.param) == (404, "line_items[0][price]")
    assert refused({"price": dollars.id}, {"price": euros.id}).param == "line_items[1][price]"
    both = {"price": dollars.id, "price_data": {"currency": "usd", "unit_amount": 1, "product_data": {"name": "X"}}}
    assert refused(both).param == "line_items[0]"
