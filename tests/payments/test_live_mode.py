"""Live mode never touches the test-card simulator or Lynk's self-service 3-D Secure page.

Live keys are made for a merchant; the browser side (publishable key and client secret) is driven with
the official SDK, as lynk.js would. A "real" processor, where one is needed, is a fake outside Lynk
that answers as a processor would (`_Processor`), installed as the server's live connector.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from lynk.connectors import AuthorizeRequest, AuthorizeResult, AuthorizeStatus
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_live_keys
from tests.servers import LynkServer

# Luhn-valid numbers that are not on Stripe's test-card page: what a real shopper's card looks like here.
REAL_LOOKING = "4111111111111111"
TEST_CARD_MESSAGE = "Your card was declined. Your request was in live mode, but used a known test card."


def _card(number: str) -> dict[str, Any]:
    return {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}


def _method(browser: stripe.StripeClient, number: str = REAL_LOOKING) -> str:
    """A card PaymentMethod made as lynk.js makes it (publishable key)."""
    return browser.v1.payment_methods.create(params={"type": "card", "card": _card(number)}).id  # type: ignore[typeddict-item]


@pytest.fixture
def live(server: LynkServer, merchant: MerchantKeys) -> tuple[stripe.StripeClient, stripe.StripeClient]:
    """(secret-key client, publishable-key client) in live mode."""
    secret, publishable = make_live_keys(server, merchant.id)
    return sdk_client(server, secret), sdk_client(server, publishable)


class _Processor:
    """A processor outside Lynk that asks for 3-D Secure on its own page (or gives no page at all)."""

    def __init__(self, authentication_url: str | None) -> None:
        self.authentication_url = authentication_url
        self.calls: list[AuthorizeRequest] = []
        self._refs = itertools.count(1)

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResult:
        self.calls.append(request)
        return AuthorizeResult(
            status=AuthorizeStatus.AUTHENTICATION_REQUIRED,
            reference=f"proc_ref_{next(self._refs)}",
            network_status="declined_by_network",
            message="Your card was declined. This transaction requires authentication.",
            code="authentication_required",
            decline_code="authentication_required",
            authentication_url=self.authentication_url,
        )

    def __getattr__(self, name: str) -> Any:  # capture, void, refund…: never reached in these tests
        raise AssertionError(f"the processor was not expected to get {name}")


@pytest.fixture
def processor(server: LynkServer) -> Iterator[_Processor]:
    fake = _Processor("https://acs.processor.example/challenge/abc")
    server.runtime.live_connector = fake  # type: ignore[assignment]
    try:
        yield fake
    finally:
        server.runtime.live_connector = None


def test_live_payment_without_a_processor_is_refused_and_nothing_is_kept(
    server: LynkServer, live: tuple[stripe.StripeClient, stripe.StripeClient]
) -> None:
    secret, browser = live
    attempts_before = server.runtime.connector.attempts  # type: ignore[attr-defined]
    pi = secret.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    with pytest.raises(stripe.APIError) as refused:
        browser.v1.payment_intents.confirm(
            pi.id,
            params={"client_secret": pi.client_secret, "payment_method": _method(browser)},
        )
    error = refused.value.json_body["error"]
    assert refused.value.http_status == 503
    assert (error["type"], error["code"]) == ("api_error", "processor_not_configured")
    assert "live" in error["message"] and "processor" in error["message"]
    assert refused.value.headers["Stripe-Should-Retry"] == "false"
    assert secret.v1.payment_intents.retrieve(pi.id).status == "requires_payment_method"
    assert secret.v1.charges.list(params={"payment_intent": pi.id}).data == []
    assert server.runtime.connector.attempts == attempts_before  # type: ignore[attr-defined]

    si = secret.v1.setup_intents.create(params={"payment_method_types": ["card"]})
    with pytest.raises(stripe.APIError) as setup_refused:
        browser.v1.setup_intents.confirm(
            si.id,
            params={"client_secret": si.client_secret, "payment_method": _method(browser)},
        )
    assert setup_refused.value.json_body["error"]["code"] == "processor_not_configured"
    assert secret.v1.setup_intents.retrieve(si.id).status == "requires_payment_method"


@pytest.mark.parametrize("number", ["4242424242424242", "4000002500003155", "5555555555554444", "378282246310005"])
def test_test_card_numbers_are_declined_in_live_mode(
    live: tuple[stripe.StripeClient, stripe.StripeClient], number: str
) -> None:
    _secret, browser = live
    with pytest.raises(stripe.CardError) as declined:
        browser.v1.payment_methods.create(params={"type": "card", "card": _card(number)})  # type: ignore[typeddict-item]
    error = declined.value.json_body["error"]
    assert declined.value.http_status == 402
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error",
        "card_declined",
        "live_mode_test_card",
    )
    assert error["message"] == TEST_CARD_MESSAGE
    assert number not in str(declined.value.json_body)


def test_test_cards_still_work_in_test_mode(server: LynkServer, merchant: MerchantKeys) -> None:
    browser = sdk_client(server, merchant.publishable_key)
    method = browser.v1.payment_methods.create(params={"type": "card", "card": _card("4242424242424242")})  # type: ignore[typeddict-item]
    assert method.card is not None and method.card.last4 == "4242"


def test_live_3d_secure_goes_to_the_processor_never_to_lynks_page(
    server: LynkServer, live: tuple[stripe.StripeClient, stripe.StripeClient], processor: _Processor
) -> None:
    secret, browser = live
    pi = secret.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    confirmed = browser.v1.payment_intents.confirm(
        pi.id,
        params={
            "client_secret": pi.client_secret,
            "payment_method": _method(browser),
            "return_url": "https://shop.example/done",
        },
    )
    assert len(processor.calls) == 1
    assert confirmed.status == "requires_action"
    assert confirmed.next_action is not None
    assert confirmed.next_action.redirect_to_url.url == processor.authentication_url  # type: ignore[union-attr]

    page = httpx.get(f"{server.base_url}/3ds/{pi.id}", params={"client_secret": pi.client_secret})
    assert page.status_code == 404 and "Complete authentication" not in page.text
    pressed = httpx.post(
        f"{server.base_url}/3ds/{pi.id}", data={"client_secret": pi.client_secret, "outcome": "complete"}
    )
    assert pressed.status_code == 404
    after = secret.v1.payment_intents.retrieve(pi.id)
    assert after.status == "requires_action"
    assert secret.v1.charges.list(params={"payment_intent": pi.id}).data == []


def test_live_3d_secure_without_a_processor_page_fails_the_attempt(
    server: LynkServer, live: tuple[stripe.StripeClient, stripe.StripeClient], processor: _Processor
) -> None:
    processor.authentication_url = None
    secret, browser = live
    si = secret.v1.setup_intents.create(
        params={"payment_method_types": ["card"], "payment_method_options": {"card": {"request_three_d_secure": "any"}}}
    )
    with pytest.raises(stripe.CardError) as declined:
        browser.v1.setup_intents.confirm(
            si.id,
            params={"client_secret": si.client_secret, "payment_method": _method(browser)},
        )
    assert declined.value.json_body["error"]["code"] == "authentication_required"
    assert len(processor.calls) == 1  # Lynk asked the processor instead of showing its own page
    after = secret.v1.setup_intents.retrieve(si.id)
    assert after.status == "requires_payment_method" and after.next_action is None
