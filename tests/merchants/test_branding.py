"""A merchant's branding (issue 12 item 13): set with `POST /v1/account` `settings[branding][…]`, checked
(a colour, an https URL or a data URL of a real image: nothing else), and shown on hosted checkout, the
3-D Secure page and Lynk's own success page, with the amount for people."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
import stripe

from tests.checkout.factories import Shopper, make_session
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).decode()


def update(client: stripe.StripeClient, **branding: str) -> Any:
    params = {f"settings[branding][{name}]": value for name, value in branding.items()}
    response = client.raw_request("post", "/v1/account", **params)
    return json.loads(response.body)


def test_branding_is_set_shown_and_cleared(client: stripe.StripeClient, merchant: MerchantKeys) -> None:
    account = update(client, primary_color="#B5451B", logo="https://shop.example/logo.png", icon=PNG)
    assert account["id"] == merchant.id and account["object"] == "account"
    assert account["settings"]["branding"] == {
        "primary_color": "#b5451b",
        "logo": "https://shop.example/logo.png",
        "icon": PNG,
        "secondary_color": None,
    }
    current = client.v1.accounts.retrieve_current()
    assert current.settings is not None and current.settings.branding is not None
    assert current.settings.branding.primary_color == "#b5451b"
    cleared = update(client, logo="")
    assert cleared["settings"]["branding"]["logo"] is None and cleared["settings"]["branding"]["icon"] == PNG


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("primary_color", "red", "#rrggbb"),
        ("primary_color", "#12345g", "#rrggbb"),
        ("logo", "http://shop.example/logo.png", "https://"),
        ("logo", "javascript:alert(1)", "https://"),
        ("logo", 'https://shop.example/"><script>', "https://"),
        ("logo", "https://user:pw@shop.example/logo.png", "https://"),
        ("icon", "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", "data URL"),
        ("icon", "data:image/png;base64," + base64.b64encode(b"<html>not a png").decode(), "not a PNG"),
        ("logo", "data:image/png;base64," + "A" * 200_000, "characters"),
    ],
)
def test_bad_branding_is_a_400_naming_the_parameter(
    client: stripe.StripeClient, name: str, value: str, says: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        update(client, **{name: value})
    assert refused.value.http_status == 400
    assert refused.value.param == f"settings[branding][{name}]"
    assert says in str(refused.value.user_message)


def test_hosted_page_and_success_page_show_the_merchant_and_the_amount(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    update(client, primary_color="#b5451b", logo="https://cdn.shop.example/logo.png")
    session = make_session(
        client,
        line_items=[
            {
                "price_data": {"currency": "usd", "unit_amount": 99_999_999, "product_data": {"name": "A" * 250}},
                "quantity": 1,
            }
        ],
    )
    page = httpx.get(session.url or "")
    assert page.status_code == 200
    assert 'src="https://cdn.shop.example/logo.png"' in page.text and "$999,999.99" in page.text
    assert "999999.99 USD" not in page.text and f'title="{"A" * 250}"' in page.text
    policy = page.headers["content-security-policy"]
    assert "img-src https://cdn.shop.example 'self' data:" in policy and "script-src 'self'" in policy
    css = httpx.get(f"{server.base_url}/c/brand/{merchant.id}.css")
    assert css.headers["content-type"].startswith("text/css") and "--brand: #b5451b" in css.text
    assert "--on-brand: #ffffff" in css.text  # white reads better on this dark orange


def test_the_default_success_page_names_the_shop_and_the_amount(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    session = make_session(client, success_url=None, cancel_url=None)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    paid = shopper.pay(session.id)
    assert paid.status_code == 200 and paid.json()["outcome"] == "succeeded", paid.text
    done = shopper.open(f"/c/pay/{session.id}")
    assert done.status_code == 200
    assert "Thank you: your payment of $35.00 to " in done.text and "went through" in done.text
    assert 'class="brand-name"' in done.text


def test_a_logo_of_almost_100_kb_as_a_data_url_is_accepted(client: stripe.StripeClient) -> None:
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x07" * 99_000).decode()
    assert update(client, logo=png)["settings"]["branding"]["logo"] == png
    too_big = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x07" * 101_000).decode()
    with pytest.raises(stripe.InvalidRequestError) as refused:
        update(client, logo=too_big)
    assert refused.value.param == "settings[branding][logo]"


def test_the_default_page_after_saving_a_card_names_the_shop(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    session = client.v1.checkout.sessions.create(params={"mode": "setup", "currency": "eur"})
    shopper = Shopper(server)
    shopper.open(session.url or "")
    saved = shopper.pay(session.id)
    assert saved.status_code == 200 and saved.json()["outcome"] == "succeeded", saved.text
    done = shopper.open(f"/c/pay/{session.id}")
    assert "Card saved" in done.text and "Your card is saved with Test merchant" in done.text
