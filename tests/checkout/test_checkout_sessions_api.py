"""The Checkout Sessions API through the official SDK: create, retrieve, list, line items, expire, events."""

from __future__ import annotations

import concurrent.futures

import httpx
import pytest
import stripe

from lynk.api import maintenance
from tests.checkout.factories import Shopper, make_session
from tests.conftest import sdk_client
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer


def test_create_and_retrieve(server: LynkServer, client: stripe.StripeClient) -> None:
    session = make_session(client, metadata={"order": "42"}, client_reference_id="cart_7")
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert (session.amount_subtotal, session.amount_total, session.currency) == (3_500, 3_500, "usd")
    assert session.url == f"{server.base_url}/c/pay/{session.id}"
    assert session.success_url == "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}"
    assert session.expires_at == session.created + 24 * 3600
    assert session.metadata is not None and session.metadata.to_dict() == {"order": "42"}
    assert session.client_reference_id == "cart_7"
    pi = client.v1.payment_intents.retrieve(session.payment_intent)
    assert (pi.amount, pi.currency, pi.status) == (3_500, "usd", "requires_payment_method")
    fetched = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert fetched.payment_intent.id == pi.id  # type: ignore[union-attr]


def test_line_items_in_order_with_pagination(client: stripe.StripeClient) -> None:
    session = make_session(client)
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [
        ("T-shirt", 2, 3_000),
        ("Socks", 1, 500),
    ]
    first = items.data[0]
    assert first.object == "item"
    assert first.price is not None and first.price.unit_amount == 1_500 and first.price.type == "one_time"
    page = client.v1.checkout.sessions.line_items.list(session.id, params={"limit": 1})
    assert page.has_more and [i.description for i in page.data] == ["T-shirt"]
    rest = client.v1.checkout.sessions.line_items.list(session.id, params={"limit": 1, "starting_after": first.id})
    assert [i.description for i in rest.data] == ["Socks"] and not rest.has_more


def test_list_filters(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "c@example.com"})
    mine = make_session(client, customer=customer.id)
    other = make_session(client)
    client.v1.checkout.sessions.expire(other.id)
    assert [s.id for s in client.v1.checkout.sessions.list().data] == [other.id, mine.id]
    assert [s.id for s in client.v1.checkout.sessions.list(params={"customer": customer.id}).data] == [mine.id]
    by_pi = client.v1.checkout.sessions.list(params={"payment_intent": mine.payment_intent})  # type: ignore[typeddict-item]
    assert [s.id for s in by_pi.data] == [mine.id]
    assert [s.id for s in client.v1.checkout.sessions.list(params={"status": "expired"}).data] == [other.id]
    created = client.v1.checkout.sessions.list(params={"created": {"gte": mine.created}})
    assert len(created.data) == 2
    theirs = sdk_client(server, make_merchant(server).secret_key)
    assert theirs.v1.checkout.sessions.list().data == []
    with pytest.raises(stripe.InvalidRequestError) as missing:
        theirs.v1.checkout.sessions.retrieve(mine.id)
    assert missing.value.http_status == 404


def test_expire_cancels_the_payment_intent_and_records_the_event(client: stripe.StripeClient) -> None:
    session = make_session(client)
    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert client.v1.payment_intents.retrieve(session.payment_intent).status == "canceled"
    events = client.v1.events.list(params={"type": "checkout.session.expired"}).data
    assert [e.data.object["id"] for e in events] == [session.id]
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.checkout.sessions.expire(session.id)
    assert again.value.http_status == 400 and "open" in str(again.value.user_message)


def test_sessions_expire_by_the_clock(server: LynkServer, client: stripe.StripeClient) -> None:
    soon = make_session(client, expires_at=int(server.clock.now()) + 1_800 + 5)
    later = make_session(client)
    server.clock.advance(1_900)
    upkeep = server.call(lambda: maintenance.run_once(server.runtime))
    assert upkeep.expired_checkout_sessions >= 1
    assert client.v1.checkout.sessions.retrieve(soon.id).status == "expired"
    assert client.v1.checkout.sessions.retrieve(later.id).status == "open"


def test_paying_on_the_page_completes_the_session(server: LynkServer, client: stripe.StripeClient) -> None:
    session = make_session(client)
    shopper = Shopper(server)
    assert shopper.open(session.url or "").status_code == 200
    paid = shopper.pay(session.id)
    assert paid.status_code == 200, paid.text
    assert paid.json() == {"outcome": "succeeded", "redirect": f"https://shop.example/success?session_id={session.id}"}
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status, done.url) == ("complete", "paid", None)
    assert done.customer_details is not None and done.customer_details.email == "jenny@example.com"
    assert client.v1.payment_intents.retrieve(session.payment_intent).status == "succeeded"
    completed = client.v1.events.list(params={"type": "checkout.session.completed"}).data
    assert [e.data.object["id"] for e in completed] == [session.id]
    assert shopper.http.get(f"/c/pay/{session.id}").headers["location"].endswith(session.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)


def test_a_double_click_pays_once(server: LynkServer, client: stripe.StripeClient) -> None:
    session = make_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: shopper.pay(session.id), range(4)))
    assert {a.json()["outcome"] for a in answers} == {"succeeded"}, [a.json() for a in answers]
    charges = client.v1.charges.list(params={"payment_intent": session.payment_intent})  # type: ignore[typeddict-item]
    assert len(charges.data) == 1


def test_a_resent_attempt_replays_its_answer_and_pays_nothing_more(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    session = make_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    first = shopper.pay(session.id, number="4000000000000002", attempt="attempt-decline-1")
    again = shopper.pay(session.id, number="4000000000000002", attempt="attempt-decline-1")
    assert (first.status_code, again.status_code) == (402, 402)
    assert first.content == again.content
    charges = client.v1.charges.list(params={"payment_intent": session.payment_intent})  # type: ignore[typeddict-item]
    assert [c.status for c in charges.data] == ["failed"]
    assert shopper.pay(session.id, attempt="attempt-2").json()["outcome"] == "succeeded"
    assert shopper.pay(session.id, attempt="attempt-2").json()["outcome"] == "succeeded"
    missing_key = shopper.pay(make_session(client).id, attempt="")
    assert missing_key.status_code == 400 and "Reload" in missing_key.json()["message"]


def test_a_decline_then_another_card(server: LynkServer, client: stripe.StripeClient) -> None:
    session = make_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    declined = shopper.pay(session.id, number="4000000000009995")
    assert declined.status_code == 402
    assert declined.json()["message"] == "Your card has insufficient funds."
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert "insufficient funds" in shopper.open(session.url or "").text
    assert shopper.pay(session.id).json()["outcome"] == "succeeded"


def test_page_posts_need_the_csrf_token(server: LynkServer, client: stripe.StripeClient) -> None:
    session = make_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    shopper.token = "forged"
    assert shopper.pay(session.id).status_code == 403
    stranger = httpx.post(f"{server.base_url}/c/pay/{session.id}/confirm", json={}, headers={"X-CSRF-Token": "x"})
    assert stranger.status_code == 403
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_the_page_sends_a_strict_content_security_policy(server: LynkServer, client: stripe.StripeClient) -> None:
    page = Shopper(server).open(make_session(client).url or "")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    for label in ("Email", "Card number", "Expiration", "CVC"):
        assert f">{label}</label>" in page.text
    assert "<script>" not in page.text and "style=" not in page.text


def test_mode_subscription_is_refused_for_now(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.create(params={"mode": "subscription", "success_url": "https://shop.example/ok"})
    assert error.value.param == "mode"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"mode": "payment"}, "line_items"),
        ({"mode": "nope"}, "mode"),
        ({"mode": "payment", "line_items": [{"quantity": 1}]}, "line_items[0][price_data]"),
        ({"mode": "payment", "line_items": [{"price": "price_123", "quantity": 1}]}, "line_items[0][price]"),
        (
            {"mode": "payment", "line_items": [{"price_data": {"currency": "usd", "unit_amount": 10}, "quantity": 1}]},
            "line_items[0][price_data][product_data]",
        ),
        (
            {
                "mode": "payment",
                "line_items": [
                    {"price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "A"}}},
                    {"price_data": {"currency": "eur", "unit_amount": 100, "product_data": {"name": "B"}}},
                ],
            },
            "line_items[1][price_data][currency]",
        ),
        (
            {
                "mode": "payment",
                "line_items": [{"price_data": {"currency": "xyz", "unit_amount": 100, "product_data": {"name": "A"}}}],
            },
            "line_items[0][price_data][currency]",
        ),
        (
            {
                "mode": "payment",
                "line_items": [{"price_data": {"currency": "usd", "unit_amount": 10, "product_data": {"name": "A"}}}],
            },
            "line_items",
        ),
        (
            {
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "A"}},
                        "quantity": 0,
                    }
                ],
            },
            "line_items[0][quantity]",
        ),
        ({"mode": "payment", "payment_method_types": ["bitcoin"]}, "payment_method_types[0]"),
        ({"mode": "payment", "customer": "cus_missing"}, "customer"),
    ],
)
def test_bad_input_names_the_param(client: stripe.StripeClient, params: dict[str, object], param: str) -> None:
    if "line_items" not in params and param not in ("line_items", "mode"):
        params = {
            **params,
            "line_items": [{"price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "A"}}}],
        }
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]
    assert error.value.param == param
    assert error.value.http_status in (400, 404)


def test_expires_at_bounds_and_customer_or_email(server: LynkServer, client: stripe.StripeClient) -> None:
    now = int(server.clock.now())
    for expires_at in (now + 60, now + 25 * 3600):
        with pytest.raises(stripe.InvalidRequestError) as error:
            make_session(client, expires_at=expires_at)
        assert error.value.param == "expires_at"
    customer = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as both:
        make_session(client, customer=customer.id, customer_email="a@example.com")
    assert both.value.param == "customer_email"
    assert make_session(client, customer_email="a@example.com").customer_email == "a@example.com"
