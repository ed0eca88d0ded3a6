"""The shopper's wallet over HTTP: sign-up, saved cards and addresses, export and deletion."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models import VaultCard
from tests.conftest import sdk_client
from tests.link.support import Browser, link_intent, messages, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer

CARD = {"card[number]": "4000056655665556", "card[exp_month]": "3", "card[exp_year]": "2036", "card[cvc]": "314"}


def _signed_up(server: LynkServer) -> tuple[Browser, str, str]:
    shop = make_merchant(server)
    browser = Browser(server, shop)
    email, phone = new_email(), new_phone()
    created = browser.post(
        "/v1/link/consumers",
        {"email_address": email, "phone_number": phone, "legal_name": "Grace H", "country": "gb"},
        with_secret=False,
    )
    assert created.status_code == 200, created.text
    browser.secret = created.json()["consumer_session"]["client_secret"]
    code = messages(server, shop, phone)[0]["code"]
    confirmed = browser.post("/v1/link/consumer_sessions/confirm_verification", {"code": code})
    assert confirmed.json()["status"] == "verified"
    return browser, email, phone


def test_sign_up_verifies_the_phone(server: LynkServer) -> None:
    browser, email, phone = _signed_up(server)
    account = browser.post("/v1/link/account").json()
    assert (account["email"], account["phone"], account["phone_verified"], account["country"]) == (
        email,
        phone,
        True,
        "GB",
    )
    again = browser.post(
        "/v1/link/consumers", {"email_address": email.upper(), "phone_number": phone}, with_secret=False
    )
    assert again.status_code == 400 and again.json()["error"]["code"] == "consumer_account_exists"
    bad_phone = browser.post(
        "/v1/link/consumers", {"email_address": new_email(), "phone_number": "12345"}, with_secret=False
    )
    assert bad_phone.status_code == 400 and bad_phone.json()["error"]["param"] == "phone"


def test_cards_saved_once_with_a_default(server: LynkServer) -> None:
    browser, _email, _phone = _signed_up(server)
    first = browser.post("/v1/link/payment_details", {**CARD, "nickname": "Work"}).json()
    assert (first["card"]["last4"], first["card"]["brand"], first["is_default"], first["nickname"]) == (
        "5556",
        "visa",
        True,
        "Work",
    )
    twice = browser.post("/v1/link/payment_details", CARD).json()
    assert twice["id"] == first["id"]
    second = browser.post(
        "/v1/link/payment_details",
        {"card[number]": "5555555555554444", "card[exp_month]": "1", "card[exp_year]": "2035"},
    ).json()
    assert second["is_default"] is False
    made_default = browser.post(f"/v1/link/payment_details/{second['id']}", {"is_default": "true"}).json()
    assert made_default["is_default"] is True
    updated = browser.post(
        f"/v1/link/payment_details/{first['id']}",
        {"nickname": "Old", "card[exp_year]": "2037", "billing_details[name]": "G H"},
    ).json()
    assert (updated["nickname"], updated["card"]["exp_year"], updated["billing_details"]["name"]) == (
        "Old",
        2037,
        "G H",
    )
    listed = browser.post("/v1/link/payment_details/list").json()["data"]
    assert [(d["id"], d["is_default"]) for d in listed] == [(first["id"], False), (second["id"], True)]
    bad = browser.post("/v1/link/payment_details", {**CARD, "card[number]": "4242424242424241"})
    assert bad.status_code == 402 and bad.json()["error"]["param"] == "card[number]"
    removed = browser.post(f"/v1/link/payment_details/{second['id']}/remove").json()
    assert removed == {"id": second["id"], "object": "link.payment_detail", "deleted": True}
    assert [d["is_default"] for d in browser.post("/v1/link/payment_details/list").json()["data"]] == [True]
    missing = browser.post(f"/v1/link/payment_details/{second['id']}/remove")
    assert missing.status_code == 404


def test_shipping_addresses_with_a_default(server: LynkServer) -> None:
    browser, _email, _phone = _signed_up(server)
    home = browser.post(
        "/v1/link/shipping_addresses", {"name": "Grace", "address[line1]": "1 Main St", "address[country]": "US"}
    ).json()
    work = browser.post("/v1/link/shipping_addresses", {"address[line1]": "2 Office Rd", "is_default": "true"}).json()
    assert work["is_default"] is True
    listed = browser.post("/v1/link/shipping_addresses/list").json()["data"]
    assert [(a["id"], a["is_default"]) for a in listed] == [(home["id"], False), (work["id"], True)]
    moved = browser.post(f"/v1/link/shipping_addresses/{home['id']}", {"address[city]": "Springfield"}).json()
    assert moved["address"]["city"] == "Springfield" and moved["address"]["line1"] == "1 Main St"
    assert browser.post(f"/v1/link/shipping_addresses/{work['id']}/remove").json()["deleted"] is True
    assert [a["is_default"] for a in browser.post("/v1/link/shipping_addresses/list").json()["data"]] == [True]


def test_export_then_delete(server: LynkServer) -> None:
    shop_a, shop_b = make_merchant(server), make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop_a, email, phone)
    browser = Browser(server, shop_b)
    browser.login(email, phone)
    paid = pay_with_link(browser, link_intent(server, shop_b), setup_future_usage="off_session").json()
    browser.post("/v1/link/shipping_addresses", {"address[line1]": "1 Main St"})

    exported = browser.post("/v1/link/account/export").json()
    assert exported["account"]["email"] == email
    assert [d["card"]["last4"] for d in exported["payment_details"]] == ["4242"]
    assert len(exported["shipping_addresses"]) == 1
    assert [g["payment_method"] for g in exported["grants"]] == [paid["payment_method"]]
    assert "4242424242424242" not in str(exported)

    def vault_cards() -> int:
        async def count(session: AsyncSession) -> int:
            return int((await session.execute(select(func.count()).select_from(VaultCard))).scalar_one())

        return server.write(count)

    before = vault_cards()
    deleted = browser.post("/v1/link/account/delete").json()
    assert deleted["deleted"] is True
    assert vault_cards() == before - 1  # the wallet's sealed card is gone; merchant A's own card stays
    assert Browser(server, shop_b).lookup(email).json()["exists"] is False
    assert browser.post("/v1/link/payment_details/list").status_code == 401
    assert messages(server, shop_b, phone) == []
    client_b = sdk_client(server, shop_b.secret_key)
    detached = client_b.v1.events.list(params={"type": "payment_method.detached"}).data
    assert [e.data.object["id"] for e in detached] == [paid["payment_method"]]
    # Merchant B's payment stays in its books.
    assert client_b.v1.payment_intents.retrieve(paid["id"]).status == "succeeded"


def test_messages_are_scoped_to_the_merchant_that_sent_them(server: LynkServer) -> None:
    browser, _email, phone = _signed_up(server)
    other = make_merchant(server)
    assert messages(server, other, phone) == []
    assert len(messages(server, browser.merchant, phone)) == 1


def test_without_a_phone_the_code_goes_by_email(server: LynkServer) -> None:
    shop = make_merchant(server)
    email = new_email()
    paid = httpx.post(
        f"{server.base_url}/v1/payment_intents",
        data={
            "amount": "1000",
            "currency": "usd",
            "confirm": "true",
            "payment_method": "pm_card_visa",
            "link_signup[email]": email,
        },
        auth=(shop.secret_key, ""),
    )
    assert paid.json()["status"] == "succeeded"
    browser = Browser(server, shop)
    assert browser.lookup(email).json()["consumer_session"]["redacted_phone"] is None
    by_sms = browser.post("/v1/link/consumer_sessions/start_verification", {"type": "sms"})
    assert by_sms.status_code == 400 and by_sms.json()["error"]["param"] == "type"
    assert browser.verify(email, channel="email")["status"] == "verified"
    sent = messages(server, shop, email)
    assert [(m["channel"], m["to"]) for m in sent] == [("email", email)]
    assert sent[0]["code"] in sent[0]["body"]


def test_a_bad_opt_in_is_refused_before_any_money_moves(server: LynkServer) -> None:
    shop = make_merchant(server)
    refused = httpx.post(
        f"{server.base_url}/v1/payment_intents",
        data={
            "amount": "1000",
            "currency": "usd",
            "confirm": "true",
            "payment_method": "pm_card_visa",
            "link_signup[email]": new_email(),
            "link_signup[phone]": "555",
        },
        auth=(shop.secret_key, ""),
    )
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "link_signup[phone]"
    charges = httpx.get(f"{server.base_url}/v1/charges", auth=(shop.secret_key, "")).json()["data"]
    assert charges == []
