"""SMS pumping: no codes texted to premium-rate numbers, caps per number range and per merchant an hour,
and the operator's monthly budget; the shopper can still get the code by email."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.link.support import Browser, new_email, pay_and_opt_in
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


@pytest.fixture
def sms_settings(server: LynkServer) -> Iterator[Any]:
    settings = server.runtime.settings
    saved = (
        settings.link_sms_per_prefix_hourly,
        settings.link_sms_per_merchant_hourly,
        settings.link_sms_monthly_budget,
    )
    try:
        yield settings
    finally:
        (
            settings.link_sms_per_prefix_hourly,
            settings.link_sms_per_merchant_hourly,
            settings.link_sms_monthly_budget,
        ) = saved


def _shopper(server: LynkServer, merchant: MerchantKeys, phone: str) -> Browser:
    email = new_email()
    pay_and_opt_in(server, merchant, email, phone)
    browser = Browser(server, merchant)
    assert browser.lookup(email).json()["exists"] is True
    return browser


def _text_me(browser: Browser, channel: str = "sms") -> httpx.Response:
    return browser.post("/v1/link/consumer_sessions/start_verification", {"type": channel})


def test_premium_rate_numbers_are_refused(server: LynkServer, merchant: MerchantKeys) -> None:
    for premium in ("+19005550100", "+449098790000"):
        response = httpx.post(
            f"{server.base_url}/v1/payment_intents",
            data={
                "amount": "2500",
                "currency": "usd",
                "payment_method_types[0]": "card",
                "payment_method_types[1]": "link",
                "confirm": "true",
                "payment_method": "pm_card_visa",
                "link_signup[email]": new_email(),
                "link_signup[phone]": premium,
                "link_signup[country]": "US",
            },
            auth=(merchant.secret_key, ""),
        )
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "phone_premium_rate" and error["param"] == "link_signup[phone]"


def test_texts_to_one_number_range_are_capped_per_hour(
    server: LynkServer, merchant: MerchantKeys, sms_settings: Any
) -> None:
    sms_settings.link_sms_per_prefix_hourly = 2
    prefix = f"+1628{random.randint(200, 999)}"  # one range, as a pumper's rented numbers are
    shoppers = [_shopper(server, merchant, f"{prefix}{n:04d}") for n in (11, 12, 13)]
    assert [_text_me(b).status_code for b in shoppers] == [200, 200, 429]
    assert _text_me(shoppers[2], "email").status_code == 200  # the code by email still comes
    other = _shopper(server, merchant, f"+1718{random.randint(200, 999)}0014")
    assert _text_me(other).status_code == 200  # another range has its own count


def test_texts_for_one_merchant_are_capped_per_hour(server: LynkServer, sms_settings: Any) -> None:
    sms_settings.link_sms_per_merchant_hourly = 1
    shop = make_merchant(server)
    first = _shopper(server, shop, f"+1332{random.randint(200, 999)}0001")
    second = _shopper(server, shop, f"+1646{random.randint(200, 999)}0002")
    assert _text_me(first).status_code == 200
    refused = _text_me(second)
    assert refused.status_code == 429 and "texted for this merchant" in refused.json()["error"]["message"]


def test_the_monthly_budget_stops_texts_but_not_email(
    server: LynkServer, merchant: MerchantKeys, sms_settings: Any
) -> None:
    sms_settings.link_sms_monthly_budget = 1
    browser = _shopper(server, merchant, f"+1917{random.randint(200, 999)}0003")
    _text_me(browser)  # the budget's last text, or already over it: the suite texted before
    refused = _text_me(browser)
    assert refused.status_code == 429
    assert "texted this month" in refused.json()["error"]["message"]
    assert _text_me(browser, "email").status_code == 200
