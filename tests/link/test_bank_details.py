"""US bank accounts as Link payment details: saved in the wallet (numbers in the vault), paid with at any
merchant that accepts `link`, debited by ACH (`processing`, settled later by the job), and the merchant
sees a `link` payment without bank numbers."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from lynk.connectors import Simulator
from lynk.models import LinkPaymentDetail, VaultBankAccount
from tests.conftest import sdk_client
from tests.link.support import Browser, link_intent, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.payments.bank_support import FAILURES, ROUTING, SUCCEEDS, books_balance, event_types, settle
from tests.servers import LynkServer

DETAIL = "payment_method_data[link][payment_detail]"


def _bank(account: str = SUCCEEDS, **extra: str) -> dict[str, str]:
    return {
        "type": "us_bank_account",
        "us_bank_account[routing_number]": ROUTING,
        "us_bank_account[account_number]": account,
        **extra,
    }


def _shopper_with_bank(server: LynkServer, merchant: MerchantKeys, account: str = SUCCEEDS) -> tuple[Browser, str]:
    """A shopper born at another merchant, logged in at `merchant`, who saves a bank account; its detail id."""
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, make_merchant(server), email, phone)
    browser = Browser(server, merchant)
    browser.login(email, phone)
    saved = browser.post("/v1/link/payment_details", _bank(account))
    assert saved.status_code == 200, saved.text
    return browser, str(saved.json()["id"])


def _no_bank_numbers(text: str, account: str) -> None:
    assert account not in text and account[-4:] not in text and ROUTING not in text


def test_the_wallet_saves_a_bank_account_once_and_shows_no_numbers(server: LynkServer) -> None:
    shop = make_merchant(server)
    browser, detail_id = _shopper_with_bank(server, shop)
    listed = browser.post("/v1/link/payment_details/list")
    bank = next(d for d in listed.json()["data"] if d["id"] == detail_id)
    assert bank["type"] == "us_bank_account" and bank["card"] is None
    assert bank["us_bank_account"] == {
        "bank_name": "STRIPE TEST BANK",
        "last4": SUCCEEDS[-4:],
        "account_type": "checking",
        "account_holder_type": "individual",
    }
    assert bank["billing_details"]["name"] == "Ada Shopper"  # the holder defaults to the account's name
    assert SUCCEEDS not in listed.text and ROUTING not in listed.text
    assert browser.post("/v1/link/payment_details", _bank()).json()["id"] == detail_id  # same fingerprint

    bad = browser.post("/v1/link/payment_details", _bank(**{"us_bank_account[routing_number]": "123456789"}))
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "us_bank_account[routing_number]"
    missing = browser.post("/v1/link/payment_details", {"type": "us_bank_account"})
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "us_bank_account"
    expiry = browser.post(f"/v1/link/payment_details/{detail_id}", {"card[exp_year]": "2040"})
    assert expiry.status_code == 400 and expiry.json()["error"]["param"] == "card"
    exported = browser.post("/v1/link/account/export")
    assert SUCCEEDS not in exported.text
    removed = browser.post(f"/v1/link/payment_details/{detail_id}/remove")
    assert removed.json()["deleted"] is True


def test_paying_by_bank_through_link_processes_then_settles(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser, detail_id = _shopper_with_bank(server, shop)
    intent = link_intent(server, shop, amount=4200)

    paid = pay_with_link(browser, intent, **{DETAIL: detail_id})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "processing"
    _no_bank_numbers(paid.text, SUCCEEDS)
    method = client.v1.payment_methods.retrieve(str(paid.json()["payment_method"]))
    assert method.type == "link" and getattr(method, "us_bank_account", None) is None
    pi = client.v1.payment_intents.retrieve(intent["id"])
    charge = client.v1.charges.retrieve(str(pi.latest_charge))
    assert (charge.status, charge.paid) == ("pending", False)
    details: Any = charge.payment_method_details
    assert details.type == "link" and details.link.country == "US"
    _no_bank_numbers(str(charge), SUCCEEDS)
    assert client.v1.balance_transactions.list().data == []  # nothing is booked while the bank has not answered

    settle(server)
    pi = client.v1.payment_intents.retrieve(intent["id"])
    assert pi.status == "succeeded"
    charge = client.v1.charges.retrieve(str(pi.latest_charge), params={"expand": ["balance_transaction"]})
    assert charge.status == "succeeded" and charge.balance_transaction is not None
    assert charge.balance_transaction.amount == 4200  # type: ignore[union-attr]
    assert event_types(client, intent["id"]) == [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.succeeded",
    ]
    books_balance(server)
    metrics = httpx.get(f"{server.base_url}/v1/link/metrics", auth=(shop.secret_key, "")).json()
    assert metrics["link_payments"] == 1


def test_a_returned_link_bank_debit_fails_with_the_banks_reason(server: LynkServer) -> None:
    account = "000222222227"
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser, detail_id = _shopper_with_bank(server, shop, account)
    intent = link_intent(server, shop, amount=3100)
    assert pay_with_link(browser, intent, **{DETAIL: detail_id}).json()["status"] == "processing"

    settle(server)
    pi = client.v1.payment_intents.retrieve(intent["id"])
    assert pi.status == "requires_payment_method"
    error: Any = pi.last_payment_error
    assert error.code == FAILURES[account][0]
    assert FAILURES[account][1] in str(error.message)
    _no_bank_numbers(str(pi), account)
    assert client.v1.charges.retrieve(str(pi.latest_charge)).status == "failed"
    assert client.v1.balance_transactions.list().data == []
    books_balance(server)


def test_an_off_session_grant_debits_the_bank_again(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser, detail_id = _shopper_with_bank(server, shop)
    first = pay_with_link(
        browser, link_intent(server, shop), **{DETAIL: detail_id, "setup_future_usage": "off_session"}
    )
    assert first.json()["status"] == "processing", first.text
    later = client.v1.payment_intents.create(
        params={
            "amount": 990,
            "currency": "usd",
            "payment_method_types": ["card", "link"],
            "payment_method": str(first.json()["payment_method"]),
            "off_session": True,
            "confirm": True,
        }
    )
    assert later.status == "processing"
    settle(server)
    assert client.v1.payment_intents.retrieve(later.id).status == "succeeded"


def test_a_bank_detail_is_refused_where_only_a_card_can_be_verified(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser, detail_id = _shopper_with_bank(server, shop)
    si = client.v1.setup_intents.create(params={"payment_method_types": ["card", "link"]})
    refused = browser.http.post(
        f"/v1/setup_intents/{si.id}/confirm",
        data={
            "client_secret": str(si.client_secret),
            "payment_method_data[type]": "link",
            "payment_method_data[link][consumer_session_client_secret]": browser.secret or "",
            DETAIL: detail_id,
        },
        auth=(shop.publishable_key, ""),
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == DETAIL
    # A US bank account debits US dollars only.
    euros = client.v1.payment_intents.create(
        params={"amount": 500, "currency": "eur", "payment_method_types": ["card", "link"]}
    )
    wrong = pay_with_link(browser, {"id": euros.id, "client_secret": euros.client_secret}, **{DETAIL: detail_id})
    assert wrong.status_code == 400 and wrong.json()["error"]["param"] == "currency"


def test_a_bank_account_removed_while_processing_never_blocks_settlement(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    browser, detail_id = _shopper_with_bank(server, shop)
    intent = link_intent(server, shop, amount=2700)
    assert pay_with_link(browser, intent, **{DETAIL: detail_id}).json()["status"] == "processing"
    assert browser.post(f"/v1/link/payment_details/{detail_id}/remove").status_code == 200  # numbers erased
    original = server.runtime.connector
    server.runtime.connector = Simulator()  # a restarted processor forgot the debit, and it cannot be sent again
    try:
        settle(server)
    finally:
        server.runtime.connector = original
    pi = client.v1.payment_intents.retrieve(intent["id"])
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error is not None and pi.last_payment_error.code == "bank_account_unusable"
    assert client.v1.balance_transactions.list().data == []
    books_balance(server)


def test_deleting_the_account_erases_the_sealed_bank_account(server: LynkServer) -> None:
    browser, detail_id = _shopper_with_bank(server, make_merchant(server))

    async def sealed_id(session: Any) -> str | None:
        row = (await session.scalars(select(LinkPaymentDetail).where(LinkPaymentDetail.id == detail_id))).first()
        return None if row is None else row.vault_bank_account_id

    async def still_sealed(session: Any, vault_id: str) -> bool:
        found = await session.scalars(select(VaultBankAccount).where(VaultBankAccount.id == vault_id))
        return found.first() is not None

    vault_id = server.write(sealed_id)
    assert vault_id is not None and server.write(lambda s: still_sealed(s, vault_id))
    assert browser.post("/v1/link/account/delete").json()["deleted"] is True
    assert server.write(sealed_id) is None
    assert not server.write(lambda s: still_sealed(s, vault_id))
