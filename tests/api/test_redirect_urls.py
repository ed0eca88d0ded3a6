"""`success_url`, `cancel_url` and `return_url` send a shopper's browser somewhere: only absolute http(s)
URLs are accepted, never a script, a data URL or a URL that splits a header (CR/LF)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe

BAD = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https://shop.example/done\r\nSet-Cookie: session=stolen",
    "https://shop.example/done\nx",
    "/relative/path",
    "//shop.example/done",
    "shop.example/done",
    "ftp://shop.example/done",
    "https://",
]
GOOD = ["https://shop.example/done?session_id={CHECKOUT_SESSION_ID}", "http://localhost:4242/return"]
LINE_ITEMS = [{"price_data": {"currency": "usd", "product_data": {"name": "Tee"}, "unit_amount": 2000}, "quantity": 1}]


def _checkout(client: stripe.StripeClient, **urls: str) -> Any:
    params = {"mode": "payment", "line_items": LINE_ITEMS, "success_url": "https://shop.example/ok", **urls}
    return client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]


def _confirm_intent(client: stripe.StripeClient, url: str) -> Any:
    pi = client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    return client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa", "return_url": url})


def _create_setup_intent(client: stripe.StripeClient, url: str) -> Any:
    params = {"payment_method": "pm_card_visa", "confirm": True, "return_url": url}
    return client.v1.setup_intents.create(params=params)  # type: ignore[arg-type]


CALLS: dict[str, Callable[[stripe.StripeClient, str], Any]] = {
    "success_url": lambda client, url: _checkout(client, success_url=url),
    "cancel_url": lambda client, url: _checkout(client, cancel_url=url),
    "return_url": _confirm_intent,
    "setup_intent return_url": _create_setup_intent,
}


@pytest.mark.parametrize("url", BAD)
@pytest.mark.parametrize("where", list(CALLS))
def test_anything_but_an_absolute_http_url_is_refused(client: stripe.StripeClient, where: str, url: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        CALLS[where](client, url)
    error = refused.value.json_body["error"]
    assert refused.value.http_status == 400
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", "url_invalid", where.split()[-1])
    assert "http://" in error["message"] and "https://" in error["message"]


def test_nothing_is_kept_of_a_refused_confirm(client: stripe.StripeClient) -> None:
    pi = client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa", "return_url": BAD[0]})
    after = client.v1.payment_intents.retrieve(pi.id)
    assert after.status == "requires_payment_method" and after.to_dict().get("return_url") is None


@pytest.mark.parametrize("url", GOOD)
def test_absolute_http_urls_are_accepted(client: stripe.StripeClient, url: str) -> None:
    session = _checkout(client, success_url=url, cancel_url=url)
    assert (session.success_url, session.cancel_url) == (url, url)
    assert _confirm_intent(client, url).status == "succeeded"
    assert _create_setup_intent(client, url).status == "succeeded"
