"""Velocity per device and per Link account, `:is_new_card_on_link:`, and distinct merchants per card
(issue 16 item 1), on SQLite and PostgreSQL. A device is a browser's Link binding: its Link payments and the
cards typed in it on Lynk's element or hosted page count in one window."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
import stripe
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.clock import unix
from lynk.radar import velocity
from tests.checkout.factories import Shopper as CheckoutShopper
from tests.checkout.factories import make_session
from tests.conftest import sdk_client
from tests.link.support import Browser, link_intent, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.radar.support import fresh_card, pay
from tests.radar.test_rules_api import rule
from tests.radar.test_velocity import NOW, _attempt
from tests.servers import LynkServer

WINDOWS = ("minutely", "hourly", "daily", "weekly")


def test_windows_count_attempts_declines_and_cards_per_device_and_link_account(server: LynkServer) -> None:
    device, account = uuid.uuid4().hex, f"csmr_{uuid.uuid4().hex[:14]}"
    cards = [f"fp_{uuid.uuid4().hex}" for _ in range(3)]
    rows = [
        _attempt(cards[0], 20, "declined", device=device, link_account=account),
        _attempt(cards[1], 900, "authorized", device=device, link_account=account, merchant_id="acct_b"),
        _attempt(cards[2], 5 * 3600, "declined", device=device),  # another account on the same browser
        _attempt(cards[0], 2 * 86400, "authorized", link_account=account),
        _attempt(cards[1], 9 * 86400, "declined", device=device, link_account=account),  # too old
    ]

    async def run(session: AsyncSession) -> tuple[dict[str, int], dict[str, int]]:
        for row in rows:
            await velocity.add(session, row)
        by_device = await velocity.counts(session, False, "device", device, NOW, distinct=("fingerprint",))
        by_account = await velocity.counts(session, False, "link_account", account, NOW, distinct=("fingerprint",))
        return by_device, by_account

    by_device, by_account = server.write(run)
    assert [by_device[f"total_{w}"] for w in WINDOWS] == [1, 2, 3, 3]
    assert [by_device[f"declined_{w}"] for w in WINDOWS] == [1, 1, 2, 2]
    assert [by_device[f"distinct_fingerprint_{w}"] for w in WINDOWS] == [1, 2, 3, 3]
    assert [by_account[f"total_{w}"] for w in WINDOWS] == [1, 2, 2, 3]
    assert [by_account[f"authorized_{w}"] for w in WINDOWS] == [0, 1, 1, 2]
    assert [by_account[f"distinct_fingerprint_{w}"] for w in WINDOWS] == [1, 2, 2, 2]


def _shopper(server: LynkServer, shop: MerchantKeys) -> tuple[Browser, str]:
    """A Link shopper (born from a payment with a card of her own) with a second card saved just now."""
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop, email, phone, number=fresh_card())
    browser = Browser(server, shop)
    browser.login(email, phone)
    card = {"card[number]": fresh_card(), "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123"}
    saved = browser.post("/v1/link/payment_details", card)
    assert saved.status_code == 200, saved.text
    return browser, str(saved.json()["id"])


def _outcome(client: stripe.StripeClient, intent: dict[str, Any]) -> Any:
    latest = client.v1.payment_intents.retrieve(intent["id"]).latest_charge
    return client.v1.charges.retrieve(latest, params={"expand": ["outcome.explanation"]}).outcome  # type: ignore[arg-type]


def test_link_payments_count_per_device_and_account_and_know_a_new_card(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    rule(client, "review", ":cards_per_device_daily: >= 1 AND :total_charges_per_link_account_daily: >= 1")
    rule(client, "block", ":is_new_card_on_link: = true AND :amount_in_usd: > 100")
    browser, new_card = _shopper(server, shop)

    first = link_intent(server, shop)  # the default card (new too, but $18): the windows were empty
    assert pay_with_link(browser, first).status_code == 200
    assert _outcome(client, first).type == "authorized"
    second = link_intent(server, shop)  # another card, same browser and account: reviewed
    assert pay_with_link(browser, second, **{"payment_method_data[link][payment_detail]": new_card}).status_code == 200
    outcome = _outcome(client, second)
    assert outcome.type == "manual_review"
    big = link_intent(server, shop, amount=20_000)  # the card saved minutes ago, $200: blocked
    refused = pay_with_link(browser, big, **{"payment_method_data[link][payment_detail]": new_card})
    assert refused.status_code == 402, refused.text
    assert _outcome(client, big).type == "blocked"


def test_a_card_counts_its_distinct_merchants(server: LynkServer) -> None:
    card = fresh_card()
    shops = [make_merchant(server) for _ in range(3)]
    last = sdk_client(server, shops[-1].secret_key)
    rule(last, "review", ":merchants_per_card_number_daily: >= 2")
    for shop in shops[:2]:
        pay(sdk_client(server, shop.secret_key), card)
    reviewed = pay(last, card)
    assert last.v1.charges.retrieve(reviewed.latest_charge).outcome.type == "manual_review"  # type: ignore[arg-type]


def _element_pays(server: LynkServer, shop: MerchantKeys, cookies: httpx.Cookies, number: str) -> str:
    """A card typed in the element, in the browser holding `cookies`: confirmed with the publishable key."""
    intent = link_intent(server, shop)
    frame = httpx.Client(base_url=server.base_url, timeout=30, cookies=cookies)
    confirmed = frame.post(
        f"/v1/payment_intents/{intent['id']}/confirm",
        data={
            "client_secret": intent["client_secret"],
            "payment_method_data[type]": "card",
            "payment_method_data[card][number]": number,
            "payment_method_data[card][exp_month]": "12",
            "payment_method_data[card][exp_year]": "2034",
            "payment_method_data[card][cvc]": "123",
        },
        auth=(shop.publishable_key, ""),
    )
    assert confirmed.status_code == 200, confirmed.text
    return str(intent["id"])


def _page_pays(server: LynkServer, client: stripe.StripeClient, cookies: httpx.Cookies | None, number: str) -> str:
    """A card typed on the hosted checkout page (its own calls, as checkout.js makes them)."""
    session = make_session(client)
    shopper = CheckoutShopper(server)
    if cookies is not None:
        shopper.http.cookies = cookies
    shopper.open(session.url or "")
    paid = shopper.pay(session.id, number)
    assert paid.status_code == 200 and paid.json()["outcome"] == "succeeded", paid.text
    return str(client.v1.checkout.sessions.retrieve(session.id).payment_intent)


def test_cards_typed_in_the_element_or_the_hosted_page_count_in_the_device_window(server: LynkServer) -> None:
    shop = make_merchant(server)
    client = sdk_client(server, shop.secret_key)
    rule(client, "review", ":cards_per_device_daily: >= 2")
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop, email, phone, number=fresh_card())
    browser = Browser(server, shop)  # her Link log-in gave this browser its binding (lynk_browser)
    browser.login(email, phone)

    paid = link_intent(server, shop)
    assert pay_with_link(browser, paid).status_code == 200  # card 1 on this device, with Link
    element = _element_pays(server, shop, browser.http.cookies, fresh_card())  # card 2, typed in the element
    assert _outcome(client, {"id": element}).type == "authorized"
    hosted = _page_pays(server, client, browser.http.cookies, fresh_card())  # card 3, on the hosted page
    outcome = _outcome(client, {"id": hosted})
    assert outcome.type == "manual_review"  # two other cards from this browser today

    device = hashlib.sha256(browser.http.cookies["lynk_browser"].encode()).hexdigest()
    now = unix(server.clock)
    counts = server.write(lambda s: velocity.counts(s, False, "device", device, now, distinct=("fingerprint",)))
    assert counts["total_daily"] == 3 and counts["distinct_fingerprint_daily"] == 3

    # A browser with no binding is no device: its cards count elsewhere, not in this window.
    stranger = _page_pays(server, client, None, fresh_card())
    assert _outcome(client, {"id": stranger}).type == "authorized"
    again = server.write(lambda s: velocity.counts(s, False, "device", device, now, distinct=("fingerprint",)))
    assert again["total_daily"] == 3
