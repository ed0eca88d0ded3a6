"""Account takeover step-up (issue 16 item 7): a verification from a new device and a new IP address must
confirm a second code before it saves a card or an address, or pays to an address the account has not
saved; such a payment scores higher; the shopper's known device does not step up."""

from __future__ import annotations

from typing import Any

import httpx

from tests.link.support import Browser, latest_code, link_intent, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer

ADDRESS = {
    "name": "Ada Shopper",
    "address[line1]": "1 Quay Street",
    "address[city]": "Dublin",
    "address[postal_code]": "D02 XY45",
    "address[country]": "IE",
}


def _elsewhere(browser: Browser) -> Browser:
    """`browser`, or a copy with its cookies, whose requests come from another address (127.0.0.2)."""
    moved = Browser(browser.server, browser.merchant)
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    moved.http = httpx.Client(base_url=browser.server.base_url, timeout=30, transport=transport)
    moved.http.cookies = browser.http.cookies
    return moved


def _shopper(server: LynkServer) -> tuple[MerchantKeys, str, str, Browser]:
    """A shopper born from a payment, who then logs in from her own browser (which Link remembers)."""
    shop = make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop, email, phone)
    own = Browser(server, shop)
    own.login(email, phone)
    return shop, email, phone, own


def _step_up(browser: Browser, phone: str) -> None:
    started = browser.post("/v1/link/consumer_sessions/start_verification", {"type": "sms"})
    assert started.status_code == 200, started.text
    code = latest_code(browser.server, browser.merchant, phone)
    confirmed = browser.post("/v1/link/consumer_sessions/confirm_verification", {"code": code})
    assert confirmed.status_code == 200, confirmed.text


def _refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 403, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "consumer_session_step_up_required"
    assert error["param"] == "consumer_session_client_secret"
    return error


def test_a_new_device_on_a_new_network_confirms_a_second_code_before_changing_the_account(
    server: LynkServer,
) -> None:
    shop, email, phone, _own = _shopper(server)
    stranger = _elsewhere(Browser(server, shop))
    stranger.login(email, phone)
    assert stranger.post("/v1/link/payment_details/list").status_code == 200  # she can see her wallet

    error = _refused(stranger.post("/v1/link/shipping_addresses", ADDRESS))
    assert "Confirm it's you again" in error["message"]
    card = {"card[number]": "4000056655665556", "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123"}
    _refused(stranger.post("/v1/link/payment_details", card))
    assert stranger.post("/v1/link/shipping_addresses/list").json()["data"] == []

    _step_up(stranger, phone)
    assert stranger.post("/v1/link/shipping_addresses", ADDRESS).status_code == 200
    assert stranger.post("/v1/link/payment_details", card).status_code == 200

    # Her step-up made this browser hers: its next login changes the account at once.
    again = _elsewhere(stranger)
    again.login(email, phone)
    assert again.post("/v1/link/shipping_addresses", {**ADDRESS, "address[line1]": "2 Quay St"}).status_code == 200


def test_the_known_device_on_a_new_network_does_not_step_up(server: LynkServer) -> None:
    _shop, email, phone, own = _shopper(server)
    travelling = _elsewhere(own)  # her own browser (its cookies), from another network
    travelling.login(email, phone)
    assert travelling.post("/v1/link/shipping_addresses", ADDRESS).status_code == 200


def test_paying_to_a_new_address_steps_up_and_scores_higher(server: LynkServer) -> None:
    shop, email, phone, own = _shopper(server)
    assert own.post("/v1/link/shipping_addresses", ADDRESS).status_code == 200  # her saved address
    stranger = _elsewhere(Browser(server, shop))
    stranger.login(email, phone)

    saved = _intent_shipping_to(server, shop, "1 Quay Street")
    paid = pay_with_link(stranger, saved)  # to her saved address: no step-up, but the score notices
    assert paid.status_code == 200, paid.text
    charge = _charge(server, shop, saved["id"])
    signals = {item["signal"]: item for item in charge["outcome"]["explanation"]}
    assert signals["is_new_device_on_link"]["points"] > 0  # the trained model's share: see docs/fraud.md

    elsewhere = _intent_shipping_to(server, shop, "99 Drop Lane")
    _refused(pay_with_link(stranger, elsewhere))
    _step_up(stranger, phone)
    paid = pay_with_link(stranger, elsewhere)
    assert paid.status_code == 200 and paid.json()["status"] == "succeeded", paid.text

    # From her own browser the same payment needs no second code, and scores no new-device points.
    ordinary = _intent_shipping_to(server, shop, "7 Other Road")
    own_pay = pay_with_link(own, ordinary)
    assert own_pay.status_code == 200, own_pay.text
    charge = _charge(server, shop, ordinary["id"])
    assert "is_new_device_on_link" not in {item["signal"] for item in charge["outcome"]["explanation"]}


def _intent_shipping_to(server: LynkServer, shop: MerchantKeys, line1: str) -> dict[str, Any]:
    intent = link_intent(server, shop)
    response = httpx.post(
        f"{server.base_url}/v1/payment_intents/{intent['id']}",
        data={
            "shipping[name]": "Ada Shopper",
            "shipping[address][line1]": line1,
            "shipping[address][city]": "Dublin",
            "shipping[address][postal_code]": "D02 XY45",
            "shipping[address][country]": "IE",
        },
        auth=(shop.secret_key, ""),
    )
    assert response.status_code == 200, response.text
    return intent


def _charge(server: LynkServer, shop: MerchantKeys, intent_id: str) -> dict[str, Any]:
    """The intent's latest charge, with its explanation."""
    intent = httpx.get(f"{server.base_url}/v1/payment_intents/{intent_id}", auth=(shop.secret_key, "")).json()
    response = httpx.get(
        f"{server.base_url}/v1/charges/{intent['latest_charge']}",
        params={"expand[]": "outcome.explanation"},
        auth=(shop.secret_key, ""),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
