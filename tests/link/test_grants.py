"""Off-session charges through a grant, and what revoking it does (error and event)."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.conftest import sdk_client
from tests.link.support import Browser, link_intent, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


def _linked_shopper(server: LynkServer, merchant: MerchantKeys, **confirm: str) -> tuple[Browser, str]:
    """A shopper saved at another merchant who pays at `merchant` with Link; returns the link PaymentMethod id."""
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, make_merchant(server), email, phone)
    browser = Browser(server, merchant)
    browser.login(email, phone)
    paid = pay_with_link(browser, link_intent(server, merchant), **confirm)
    assert paid.status_code == 200, paid.text
    return browser, str(paid.json()["payment_method"])


def _off_session(client: stripe.StripeClient, method: str, amount: int = 990) -> Any:
    return client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "usd",
            "payment_method_types": ["card", "link"],
            "payment_method": method,
            "off_session": True,
            "confirm": True,
        }
    )


def test_off_session_through_the_grant_until_revoked(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser, method = _linked_shopper(server, shop, setup_future_usage="off_session")

    later = _off_session(client, method)
    assert later.status == "succeeded"
    charge = client.v1.charges.retrieve(str(later.latest_charge))
    assert charge.payment_method_details is not None and charge.payment_method_details.type == "link"

    grants = browser.post("/v1/link/grants/list").json()["data"]
    assert [(g["payment_method"], g["off_session"], g["status"]) for g in grants] == [(method, True, "active")]
    revoked = browser.post(f"/v1/link/grants/{grants[0]['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"

    with pytest.raises(stripe.CardError) as failure:
        _off_session(client, method)
    assert failure.value.http_status == 402
    assert failure.value.code == "payment_method_unavailable"
    assert "revoked" in str(failure.value.user_message)

    detached = client.v1.events.list(params={"type": "payment_method.detached"}).data
    assert [e.data.object["id"] for e in detached] == [method]


def test_without_setup_future_usage_the_merchant_cannot_charge_again(server: LynkServer) -> None:
    shop = make_merchant(server)
    _browser, method = _linked_shopper(server, shop)
    with pytest.raises(stripe.CardError) as failure:
        _off_session(sdk_client(server, shop.secret_key), method)
    assert failure.value.code == "authentication_required"


def test_on_session_reuse_without_the_shopper_is_refused(server: LynkServer) -> None:
    shop = make_merchant(server)
    _browser, method = _linked_shopper(server, shop, setup_future_usage="off_session")
    client = sdk_client(server, shop.secret_key)
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.create(
            params={
                "amount": 700,
                "currency": "usd",
                "payment_method_types": ["card", "link"],
                "payment_method": method,
                "confirm": True,
            }
        )


def test_a_grant_follows_the_shoppers_new_default(server: LynkServer) -> None:
    shop = make_merchant(server)
    browser, method = _linked_shopper(server, shop, setup_future_usage="off_session")
    declining = browser.post(
        "/v1/link/payment_details",
        {"card[number]": "4000000000000002", "card[exp_month]": "1", "card[exp_year]": "2035", "is_default": "true"},
    )
    assert declining.status_code == 200 and declining.json()["is_default"] is True
    with pytest.raises(stripe.CardError) as failure:
        _off_session(sdk_client(server, shop.secret_key), method)
    assert failure.value.code == "card_declined"  # the new default was charged, and it declines


def test_a_grant_follows_the_default_when_its_card_is_removed(server: LynkServer) -> None:
    shop = make_merchant(server)
    browser, method = _linked_shopper(server, shop, setup_future_usage="off_session")
    added = browser.post(
        "/v1/link/payment_details",
        {"card[number]": "5555555555554444", "card[exp_month]": "1", "card[exp_year]": "2035", "is_default": "true"},
    )
    assert added.status_code == 200, added.text
    first = next(d for d in browser.post("/v1/link/payment_details/list").json()["data"] if not d["is_default"])
    assert browser.post(f"/v1/link/payment_details/{first['id']}/remove").json()["deleted"] is True
    later = _off_session(sdk_client(server, shop.secret_key), method)
    assert later.status == "succeeded"
