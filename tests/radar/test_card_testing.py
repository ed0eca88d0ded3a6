"""Card testing: a burst of declines from one PaymentIntent, shopper IP address or merchant blocks that
source's next attempts, good cards included, until the hour has passed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.radar.support import DECLINED, card_data, fresh_card, pay
from tests.servers import LynkServer, backends, running_server

GOOD = "4242424242424242"


def confirm(
    browser: stripe.StripeClient, pi: stripe.PaymentIntent, number: str, ip: str | None = None
) -> tuple[str, Any]:
    """Confirm from the shopper's browser (at `ip`, through the proxy header the test server trusts from
    127.0.0.1); ("succeeded", None) or (the error's code, the error's JSON)."""
    params = {"client_secret": pi.client_secret, "payment_method_data": card_data(number)}
    headers = {"X-Forwarded-For": ip} if ip else {}
    try:
        browser.v1.payment_intents.confirm(pi.id, params=params, options={"headers": headers})  # type: ignore[arg-type]
    except stripe.CardError as error:
        body: Any = error.json_body["error"]  # type: ignore[index]
        return body["code"], body
    return "succeeded", None


def outcome_of(client: stripe.StripeClient, error: Any) -> Any:
    return client.v1.charges.retrieve(error["charge"]).outcome


def test_forty_declines_on_one_intent_then_a_good_card_is_still_blocked(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    """The trial's attack: 40 declined attempts on one PaymentIntent with the publishable key, then a good card."""
    client, browser = sdk_client(server, merchant.secret_key), sdk_client(server, merchant.publishable_key)
    pi = client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    types = []
    for _ in range(40):
        code, error = confirm(browser, pi, DECLINED)
        assert code == "card_declined"
        types.append(outcome_of(client, error).type)
    assert types[:10] == ["issuer_declined"] * 10
    assert set(types[10:]) == {"blocked"}  # never sent to the processor after the tenth
    code, error = confirm(browser, pi, GOOD)
    assert code == "card_declined"
    outcome = outcome_of(client, error)
    assert outcome.type == "blocked" and outcome.reason == "card_testing"
    assert outcome.rule == "rule_card_testing_intent"
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_payment_method"

    server.clock.advance(3601)  # the window has passed
    assert confirm(browser, pi, GOOD)[0] == "succeeded"


@pytest.fixture(scope="module", params=backends())
def strict(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LynkServer]:
    """A server with lower per-IP and per-merchant limits."""
    tmp: Path = tmp_path_factory.mktemp(f"strict-{request.param}")
    with running_server(request.param, tmp, radar_declines_per_ip=5, radar_declines_per_merchant=8) as running:
        yield running


def test_declines_from_one_ip_address_block_it_at_every_merchant(strict: LynkServer) -> None:
    shop_a, shop_b = make_merchant(strict), make_merchant(strict)
    a, browser_a = sdk_client(strict, shop_a.secret_key), sdk_client(strict, shop_a.publishable_key)
    tester, shopper = f"81.2.69.{random.randint(1, 250)}", "81.2.70.7"
    for _ in range(5):  # five intents, one decline each: no intent reaches its own limit
        pi = a.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
        assert confirm(browser_a, pi, DECLINED, tester)[0] == "card_declined"
    b, browser_b = sdk_client(strict, shop_b.secret_key), sdk_client(strict, shop_b.publishable_key)
    pi = b.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    code, error = confirm(browser_b, pi, fresh_card(), tester)
    assert code == "card_declined"
    assert outcome_of(b, error).rule == "rule_card_testing_ip_address"
    # Another shopper's address, the merchant's own server, and a proxy's private address are not that IP.
    assert (
        confirm(
            browser_b, b.v1.payment_intents.create(params={"amount": 500, "currency": "usd"}), fresh_card(), shopper
        )[0]
        == "succeeded"
    )
    assert pay(b, fresh_card()).status == "succeeded"
    private = b.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    assert confirm(browser_b, private, fresh_card(), "10.0.0.8")[0] == "succeeded"
    strict.clock.advance(3601)
    pi = b.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    assert confirm(browser_b, pi, fresh_card(), tester)[0] == "succeeded"


def test_a_busy_merchant_s_ordinary_declines_block_nothing(strict: LynkServer) -> None:
    client = sdk_client(strict, make_merchant(strict).secret_key)
    for _ in range(9):
        pay(client, fresh_card())
    for _ in range(8):
        with pytest.raises(stripe.CardError):
            pay(client, DECLINED)
    assert pay(client, fresh_card()).status == "succeeded"  # 8 of 17 failed: not a burst


def test_a_burst_of_declines_at_a_merchant_blocks_its_card_payments(strict: LynkServer) -> None:
    shop = make_merchant(strict)
    client = sdk_client(strict, shop.secret_key)
    for _ in range(8):
        with pytest.raises(stripe.CardError):
            pay(client, DECLINED)
    with pytest.raises(stripe.CardError) as blocked:
        pay(client, fresh_card())
    charge = client.v1.charges.retrieve(blocked.value.json_body["error"]["charge"])  # type: ignore[index]
    assert charge.outcome.type == "blocked" and charge.outcome.rule == "rule_card_testing_merchant"
    other = sdk_client(strict, make_merchant(strict).secret_key)
    assert pay(other, fresh_card()).status == "succeeded"  # only that merchant
