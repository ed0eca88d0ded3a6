"""Embedded Checkout (ui_mode=embedded) and the page's customisations, through the SDK and the page's own calls."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import stripe

from tests.checkout.factories import Shopper, make_session
from tests.servers import LynkServer

RETURN = "https://shop.example/return?session_id={CHECKOUT_SESSION_ID}"


def _embedded(client: stripe.StripeClient, **extra: Any) -> stripe.checkout.Session:
    return make_session(client, ui_mode="embedded", return_url=RETURN, success_url=None, cancel_url=None, **extra)


def _frame_url(server: LynkServer, session: stripe.checkout.Session) -> str:
    query = urlencode({"client_secret": session.client_secret, "origin": "https://shop.example"})
    return f"{server.base_url}/c/pay/{session.id}?{query}"


def test_embedded_session_has_a_client_secret_and_no_url(client: stripe.StripeClient) -> None:
    session = _embedded(client)
    assert session.ui_mode == "embedded"
    assert session.url is None
    assert session.client_secret is not None and session.client_secret.startswith(f"{session.id}_secret_")
    assert session.return_url == RETURN
    assert session.redirect_on_completion == "always"
    hosted = make_session(client)
    assert hosted.client_secret is None and hosted.ui_mode == "hosted"
    with pytest.raises(stripe.InvalidRequestError) as success_url:
        make_session(client, ui_mode="embedded", return_url=RETURN, cancel_url=None)
    assert success_url.value.param == "success_url"
    with pytest.raises(stripe.InvalidRequestError) as no_return:
        make_session(client, ui_mode="embedded", success_url=None, cancel_url=None)
    assert no_return.value.param == "return_url"
    with pytest.raises(stripe.InvalidRequestError) as hosted_return:
        make_session(client, return_url=RETURN)
    assert hosted_return.value.param == "return_url"
    never = make_session(client, ui_mode="embedded", redirect_on_completion="never", success_url=None, cancel_url=None)
    assert never.redirect_on_completion == "never" and never.return_url is None


def test_embedded_page_opens_with_its_secret_and_may_be_framed(server: LynkServer, client: stripe.StripeClient) -> None:
    session = _embedded(client)
    shopper = Shopper(server)
    assert shopper.open(f"{server.base_url}/c/pay/{session.id}").status_code == 404
    assert shopper.open(f"{server.base_url}/c/pay/{session.id}?client_secret=cs_wrong").status_code == 404
    page = shopper.open(_frame_url(server, session))
    assert page.status_code == 200
    assert "frame-ancestors http: https:" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    assert 'data-parent-origin="https://shop.example"' in page.text
    # A hosted session's page is never framed.
    hosted = shopper.open(make_session(client).url or "")
    assert hosted.headers["X-Frame-Options"] == "DENY"
    # Framed by another site, the page gets no cookie: its post proves itself with the client secret.
    card = {"email": "jenny@example.com", "number": "4242424242424242", "expiration": "12 / 34", "cvc": "123"}
    url = f"{server.base_url}/c/pay/{session.id}/confirm"
    no_proof = httpx.post(url, json=card, headers={"Idempotency-Key": "attempt-0001"})
    assert no_proof.status_code == 403
    wrong = httpx.post(url, json=card, headers={"Idempotency-Key": "attempt-0002", "X-Lynk-Client-Secret": "x"})
    assert wrong.status_code == 403
    hosted_secret = {"Idempotency-Key": "attempt-0003", "X-Lynk-Client-Secret": session.client_secret or ""}
    paid = httpx.post(url, json=card, headers=hosted_secret)
    assert paid.status_code == 200, paid.text
    assert paid.json() == {"outcome": "succeeded", "redirect": f"https://shop.example/return?session_id={session.id}"}
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"


def test_customisations_shape_the_page_and_the_result(server: LynkServer, client: stripe.StripeClient) -> None:
    session = make_session(
        client,
        phone_number_collection={"enabled": True},
        billing_address_collection="required",
        shipping_address_collection={"allowed_countries": ["US", "CA"]},
        submit_type="donate",
        locale="fr",
        custom_text={
            "submit": {"message": "We ship in 2 days."},
            "terms_of_service_acceptance": {"message": "I agree."},
        },
        consent_collection={"terms_of_service": "required"},
        customer_creation="always",
        payment_method_options={"card": {"setup_future_usage": "off_session"}},
    )
    assert session.billing_address_collection == "required"
    assert session.phone_number_collection.enabled is True
    assert session.shipping_address_collection.allowed_countries == ["US", "CA"]
    assert (session.submit_type, session.locale, session.customer_creation) == ("donate", "fr", "always")
    assert session.custom_text.submit.message == "We ship in 2 days."
    assert session.consent_collection.terms_of_service == "required"
    pi = client.v1.payment_intents.retrieve(session.payment_intent)  # type: ignore[arg-type]
    assert pi.payment_method_options.card.setup_future_usage == "off_session"
    shopper = Shopper(server)
    page = shopper.open(session.url or "")
    assert '<html lang="fr">' in page.text
    assert "Donate 35,00\xa0$US" in page.text and "We ship in 2 days." in page.text and "I agree." in page.text
    address = {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "us"}
    fields: dict[str, Any] = {f"billing_{k}": v for k, v in address.items()}
    fields.update({f"shipping_{k}": v for k, v in address.items()})
    fields.update({"shipping_name": "Jenny Rosen", "phone_number": "+1 201 555 0123", "terms": True})
    for missing, shown in (("phone_number", "phone"), ("terms", "terms"), ("billing_line1", "address")):
        refused = shopper.pay(session.id, **{k: v for k, v in fields.items() if k != missing})
        assert refused.status_code == 400 and shown in refused.json()["message"].lower()
    abroad = shopper.pay(session.id, **{**fields, "shipping_country": "FR"})
    assert abroad.status_code == 400 and abroad.json()["param"] == "shipping_country"
    paid = shopper.pay(session.id, **fields)
    assert paid.status_code == 200, paid.text
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.customer_details is not None
    assert done.customer_details.phone == "+1 201 555 0123"
    assert done.customer_details.address.city == "Springfield"
    assert done.customer_details.address.country == "US"
    assert done.shipping_details.name == "Jenny Rosen"
    assert done.consent.terms_of_service == "accepted"
    assert done.customer is not None
    customer = client.v1.customers.retrieve(done.customer)  # type: ignore[arg-type]
    assert (customer.email, customer.phone) == ("jenny@example.com", "+1 201 555 0123")
    paid_pi = client.v1.payment_intents.retrieve(session.payment_intent)  # type: ignore[arg-type]
    assert paid_pi.customer == customer.id
    assert paid_pi.shipping.address.line1 == "1 Main St"
    charge = client.v1.charges.retrieve(paid_pi.latest_charge)  # type: ignore[arg-type]
    assert charge.shipping.name == "Jenny Rosen"
    assert charge.billing_details.address.postal_code == "12345"


def test_option_combinations_stripe_refuses(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as both:
        make_session(client, customer=customer.id, customer_creation="always")
    assert both.value.param == "customer_creation"
    with pytest.raises(stripe.InvalidRequestError) as update:
        make_session(client, customer_update={"name": "auto"})
    assert update.value.param == "customer_update"
    with pytest.raises(stripe.InvalidRequestError) as locale:
        make_session(client, locale="klingon")
    assert locale.value.param == "locale"
    saving = client.v1.checkout.sessions.create(
        params={
            "mode": "setup",
            "currency": "usd",
            "success_url": "https://shop.example/ok",
            "setup_intent_data": {"description": "Card for later", "metadata": {"plan": "pro"}},
        }
    )
    si = client.v1.setup_intents.retrieve(saving.setup_intent)  # type: ignore[arg-type]
    assert (si.description, si.metadata.to_dict()) == ("Card for later", {"plan": "pro"})


def test_customer_update_saves_what_the_page_collected(server: LynkServer, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "jenny@example.com"})
    session = make_session(
        client,
        customer=customer.id,
        billing_address_collection="required",
        shipping_address_collection={"allowed_countries": ["US"]},
        customer_update={"name": "auto", "address": "auto", "shipping": "auto"},
    )
    shopper = Shopper(server)
    shopper.open(session.url or "")
    address = {"line1": "9 Elm St", "city": "Portland", "postal_code": "97201", "country": "US"}
    fields: dict[str, Any] = {f"billing_{k}": v for k, v in address.items()}
    fields.update({f"shipping_{k}": v for k, v in address.items()})
    fields["shipping_name"] = "Jenny R."
    assert shopper.pay(session.id, **fields).status_code == 200
    saved = client.v1.customers.retrieve(customer.id)
    assert saved.name == "Jenny Rosen"
    assert saved.address is not None and saved.address.city == "Portland"
    assert saved.shipping is not None and saved.shipping.name == "Jenny R."


def test_an_expired_session_is_recovered_from_its_url(server: LynkServer, client: stripe.StripeClient) -> None:
    price = client.v1.prices.create(params={"currency": "usd", "unit_amount": 1200, "product_data": {"name": "Lamp"}})
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [{"price": price.id, "quantity": 2}],
            "success_url": "https://shop.example/ok",
            "metadata": {"cart": "c1"},
            "after_expiration": {"recovery": {"enabled": True}},
        }
    )
    assert session.after_expiration.recovery.enabled is True
    assert session.after_expiration.recovery.url is None  # only once it expired
    expired = client.v1.checkout.sessions.expire(session.id)
    recovery = expired.after_expiration.recovery
    assert recovery.url == f"{server.base_url}/c/recover/{session.id}"
    assert recovery.expires_at == expired.expires_at + 30 * 24 * 3600
    answer = httpx.get(recovery.url, follow_redirects=False)
    assert answer.status_code == 303
    new_id = answer.headers["location"].rsplit("/", 1)[-1]
    new = client.v1.checkout.sessions.retrieve(new_id)
    assert (new.status, new.recovered_from, new.amount_total) == ("open", session.id, 2400)
    assert new.metadata.to_dict() == {"cart": "c1"}
    lines = client.v1.checkout.sessions.line_items.list(new.id).data
    assert lines[0].price is not None and lines[0].price.id == price.id
    plain = make_session(client)
    client.v1.checkout.sessions.expire(plain.id)
    assert httpx.get(f"{server.base_url}/c/recover/{plain.id}").status_code == 404
    with pytest.raises(stripe.InvalidRequestError) as embedded:
        _embedded(client, after_expiration={"recovery": {"enabled": True}})
    assert embedded.value.param == "after_expiration"
