"""PaymentMethods of type card through the official stripe SDK against a running server."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.card_numbers import shows
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_live_keys, make_merchant
from tests.servers import LynkServer, stored_bytes

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "314"}


def test_create_with_raw_number_shows_only_safe_facts(client: stripe.StripeClient) -> None:
    pm = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": CARD,  # type: ignore[typeddict-item]
            "billing_details": {"name": "Jenny Rosen", "address": {"postal_code": "94103"}},
            "metadata": {"order": "1"},
        }
    )
    assert pm.id.startswith("pm_")
    assert pm.type == "card"
    assert pm.customer is None
    assert pm.card.brand == "visa"
    assert pm.card.last4 == "4242"
    assert (pm.card.exp_month, pm.card.exp_year) == (12, 2034)
    assert pm.card.funding == "credit"
    assert pm.card.country == "US"
    assert pm.card.checks.cvc_check == "pass"
    assert len(pm.card.fingerprint) == 16
    assert pm.billing_details.name == "Jenny Rosen"
    assert pm.billing_details.address.postal_code == "94103"
    assert pm.billing_details.address.line1 is None
    body = str(pm.to_dict())
    assert "4242424242424242" not in body
    assert not shows(body, "314")
    assert client.v1.payment_methods.retrieve(pm.id).to_dict() == pm.to_dict()


def test_fingerprint_identifies_a_card_across_merchants(server: LynkServer, client: stripe.StripeClient) -> None:
    other = sdk_client(server, make_merchant(server).secret_key)
    mine = client.v1.payment_methods.create(params={"type": "card", "card": CARD})  # type: ignore[typeddict-item]
    theirs = other.v1.payment_methods.create(params={"type": "card", "card": CARD})  # type: ignore[typeddict-item]
    different = client.v1.payment_methods.create(
        params={"type": "card", "card": {**CARD, "number": "5555555555554444"}}  # type: ignore[typeddict-item]
    )
    assert mine.card.fingerprint == theirs.card.fingerprint
    assert mine.card.fingerprint != different.card.fingerprint


@pytest.mark.parametrize(
    ("card", "code", "param"),
    [
        ({**CARD, "number": "4242424242424241"}, "incorrect_number", "card[number]"),
        ({**CARD, "exp_month": 13}, "invalid_expiry_month", "card[exp_month]"),
        ({**CARD, "exp_year": 2020}, "invalid_expiry_year", "card[exp_year]"),
        ({**CARD, "cvc": "12"}, "invalid_cvc", "card[cvc]"),
    ],
    ids=["luhn", "month-13", "past-year", "short-cvc"],
)
def test_bad_cards_are_card_errors(client: stripe.StripeClient, card: dict[str, object], code: str, param: str) -> None:
    with pytest.raises(stripe.CardError) as error:
        client.v1.payment_methods.create(params={"type": "card", "card": card})  # type: ignore[typeddict-item]
    assert error.value.http_status == 402
    assert error.value.code == code
    assert error.value.param == param
    assert "4242424242424241" not in str(error.value.json_body)


def test_missing_card_and_unknown_type(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_methods.create(params={"type": "card"})
    assert missing.value.param == "card"
    with pytest.raises(stripe.InvalidRequestError) as bad_type:
        client.v1.payment_methods.create(params={"type": "sepa_debit"})
    assert bad_type.value.param == "type"


def test_test_tokens_and_ids(client: stripe.StripeClient) -> None:
    from_token = client.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_mastercard"}})
    assert from_token.card.brand == "mastercard"
    customer = client.v1.customers.create()
    first = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    second = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    assert first.id != second.id  # each use of a test id makes a fresh PaymentMethod
    assert first.card.fingerprint == second.card.fingerprint
    assert first.customer == customer.id
    declined = client.v1.payment_methods.attach("pm_card_chargeDeclined", params={"customer": customer.id})
    assert declined.card.last4 == "0002"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_nonsense"}})
    assert unknown.value.param == "card[token]"


def test_attach_list_detach(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "pm@example.com"})
    pms = [client.v1.payment_methods.create(params={"type": "card", "card": CARD}) for _ in range(3)]  # type: ignore[typeddict-item]
    for pm in pms[:2]:
        attached = client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
        assert attached.customer == customer.id

    listed = client.v1.customers.payment_methods.list(customer.id, params={"type": "card"})
    assert [p.id for p in listed.data] == [pms[1].id, pms[0].id]
    assert listed.url == f"/v1/customers/{customer.id}/payment_methods"
    by_param = client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"})
    assert [p.id for p in by_param.data] == [pms[1].id, pms[0].id]

    detached = client.v1.payment_methods.detach(pms[0].id)
    assert detached.customer is None
    assert [p.id for p in client.v1.customers.payment_methods.list(customer.id).data] == [pms[1].id]
    with pytest.raises(stripe.InvalidRequestError) as not_attached:
        client.v1.payment_methods.detach(pms[0].id)
    assert "not attached" in str(not_attached.value.user_message)

    other = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as taken:
        client.v1.payment_methods.attach(pms[1].id, params={"customer": other.id})
    assert taken.value.param == "customer"
    with pytest.raises(stripe.InvalidRequestError) as no_customer:
        client.v1.payment_methods.attach(pms[2].id, params={"customer": "cus_missing"})
    assert no_customer.value.http_status == 404
    assert no_customer.value.param == "customer"


def test_expand_customer_on_payment_method(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"name": "Expanded"})
    pm = client.v1.payment_methods.attach("pm_card_amex", params={"customer": customer.id})
    expanded = client.v1.payment_methods.retrieve(pm.id, params={"expand": ["customer"]})
    assert expanded.customer.name == "Expanded"
    listed = client.v1.customers.payment_methods.list(customer.id, params={"expand": ["data.customer"]})
    assert listed.data[0].customer.id == customer.id


def test_update_billing_expiry_and_metadata(client: stripe.StripeClient) -> None:
    pm = client.v1.payment_methods.create(
        params={"type": "card", "card": CARD, "billing_details": {"email": "a@example.com"}}  # type: ignore[typeddict-item]
    )
    updated = client.v1.payment_methods.update(
        pm.id,
        params={
            "billing_details": {"name": "New Name"},
            "card": {"exp_month": 1, "exp_year": 2035},
            "metadata": {"k": "v"},
        },
    )
    assert updated.billing_details.name == "New Name"
    assert updated.billing_details.email == "a@example.com"
    assert (updated.card.exp_month, updated.card.exp_year) == (1, 2035)
    assert updated.metadata.to_dict() == {"k": "v"}
    with pytest.raises(stripe.CardError) as bad:
        client.v1.payment_methods.update(pm.id, params={"card": {"exp_month": 13}})
    assert bad.value.param == "card[exp_month]"


def test_publishable_key_creates_but_cannot_read(server: LynkServer, merchant: MerchantKeys) -> None:
    browser = sdk_client(server, merchant.publishable_key)
    pm = browser.v1.payment_methods.create(params={"type": "card", "card": CARD, "metadata": {"secret": "x"}})  # type: ignore[typeddict-item]
    assert pm.card.last4 == "4242"
    assert "metadata" not in pm.to_dict()  # metadata is for secret keys only
    with pytest.raises(stripe.AuthenticationError):
        browser.v1.payment_methods.retrieve(pm.id)
    assert sdk_client(server, merchant.secret_key).v1.payment_methods.retrieve(pm.id).metadata["secret"] == "x"


def test_live_mode_refuses_raw_numbers_and_test_ids(server: LynkServer, merchant: MerchantKeys) -> None:
    live_secret, _ = make_live_keys(server, merchant.id)
    live = sdk_client(server, live_secret)
    with pytest.raises(stripe.InvalidRequestError) as raw:
        live.v1.payment_methods.create(params={"type": "card", "card": CARD})  # type: ignore[typeddict-item]
    assert raw.value.param == "card[number]"
    customer = live.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as test_id:
        live.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    assert test_id.value.http_status == 404


def test_another_merchants_payment_method_is_404(server: LynkServer, client: stripe.StripeClient) -> None:
    theirs = sdk_client(server, make_merchant(server).secret_key).v1.payment_methods.create(
        params={"type": "card", "card": CARD}  # type: ignore[typeddict-item]
    )
    for call in (
        lambda: client.v1.payment_methods.retrieve(theirs.id),
        lambda: client.v1.payment_methods.update(theirs.id, params={"metadata": {"a": "b"}}),
        lambda: client.v1.payment_methods.detach(theirs.id),
    ):
        with pytest.raises(stripe.InvalidRequestError) as missing:
            call()
        assert missing.value.http_status == 404


def test_no_pan_in_any_response_or_the_database(server: LynkServer, merchant: MerchantKeys) -> None:
    response = httpx.post(
        f"{server.base_url}/v1/payment_methods",
        data={"type": "card", "card[number]": "5200828282828210", "card[exp_month]": "3", "card[exp_year]": "2031"},
        auth=(merchant.secret_key, ""),
    )
    assert response.status_code == 200
    assert "5200828282828210" not in response.text
    if server.backend == "sqlite":
        assert b"5200828282828210" not in stored_bytes(server)
