"""The Adyen connector against a local fake of Adyen's Checkout API built from its OpenAPI specification
(its conformance test is in test_conformance.py): a lost answer found again by replaying the request;
merchant A routed to Adyen end to end (payment, decline, 3-D Secure, partial capture, refund, a chargeback
notification); failover from a dead Adyen, no failover after a 5xx; the CLI; no card number in a log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stripe

from lynk.connectors import AuthorizeResult, AuthorizeStatus, ConnectorNotReached, ConnectorUnavailable, WebhookRejected
from lynk.connectors.adyen import AdyenConnector
from lynk.connectors.adyen_webhooks import verify_notification
from lynk.ledger import invariants
from tests.conftest import sdk_client
from tests.connectors.conformance import auth_request, detokenize
from tests.merchants.factories import MerchantKeys
from tests.processors.adyen_fake import API_KEY, HMAC_KEY, MERCHANT, FakeAdyen, Payment, fake_adyen
from tests.processors.broken import broken_processor
from tests.processors.support import Acquirer, acquirer, add_processor, lynk_processor, stripe_processor, stripe_server
from tests.processors.test_processor_accounts import _lynk, cli_env
from tests.servers import LynkServer, free_port

__all__ = ["acquirer", "cli_env", "stripe_server"]  # fixtures


@pytest.fixture
def fake() -> Iterator[FakeAdyen]:
    with fake_adyen() as running:
        yield running


def adyen_processor(server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen, **extra: object) -> str:
    params = {"kind": "adyen", "secret_key": API_KEY, "merchant_account": MERCHANT, "api_base": fake.url}
    return str(add_processor(server, merchant, **{**params, "webhook_secret": HMAC_KEY, **extra})["id"])


def test_a_lost_answer_is_found_by_replaying_the_request(fake: FakeAdyen) -> None:
    """Adyen cannot be asked by key: `status` sends the same request again, and Adyen's idempotency store
    answers it with the payment the lost answer was about. One payment, never two."""
    connector = AdyenConnector(api_key=API_KEY, merchant_account=MERCHANT, api_base=fake.url, detokenize=detokenize)
    fake.drop_answers = 1
    with pytest.raises(ConnectorUnavailable):
        asyncio.run(connector.authorize(auth_request(key="lost")))
    assert len(fake.payments) == 1  # Adyen made it
    found = asyncio.run(connector.status("lost"))
    assert isinstance(found, AuthorizeResult) and found.status is AuthorizeStatus.AUTHORIZED
    assert found.reference == f"{next(iter(fake.payments))}:USD" and len(fake.payments) == 1


def test_a_wrong_key_is_not_reached_and_nothing_is_made(fake: FakeAdyen) -> None:
    connector = AdyenConnector(api_key="wrong", merchant_account=MERCHANT, api_base=fake.url, detokenize=detokenize)
    with pytest.raises(ConnectorNotReached):
        asyncio.run(connector.authorize(auth_request(key="k")))
    assert fake.payments == {}


def _psp(charge: stripe.Charge) -> str:
    return lynk_processor(charge)["reference"].split(":")[0]


def _audit(server: LynkServer) -> list[str]:
    async def audit() -> list[str]:
        async with server.db.transaction(write=False) as session:
            return await invariants.verify(session)

    return server.call(audit)


def test_payments_at_a_merchant_routed_to_adyen(server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen) -> None:
    processor_id = adyen_processor(server, merchant, fake)
    client = sdk_client(server, merchant.secret_key)

    paid = client.v1.payment_intents.create(
        {"amount": 2500, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert paid.status == "succeeded"
    charge = client.v1.charges.retrieve(str(paid.latest_charge))
    assert lynk_processor(charge)["id"] == processor_id
    there = fake.payments[_psp(charge)]
    assert (there.amount, there.currency, there.captured) == (2500, "EUR", 2500)

    intent = client.v1.payment_intents.create({"amount": 1800, "currency": "eur"})
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_chargeDeclinedInsufficientFunds"})
    assert (raised.value.code, raised.value.error.decline_code) == ("card_declined", "insufficient_funds")

    held = client.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "eur",
            "payment_method": "pm_card_mastercard",
            "confirm": True,
            "capture_method": "manual",
        }
    )
    assert held.status == "requires_capture"
    captured = client.v1.payment_intents.capture(held.id, {"amount_to_capture": 3000})
    assert (captured.status, captured.amount_received) == ("succeeded", 3000)
    held_charge = client.v1.charges.retrieve(str(held.latest_charge))
    assert fake.payments[_psp(held_charge)].captured == 3000
    refund = client.v1.refunds.create({"payment_intent": held.id, "amount": 1200})
    assert refund.status == "succeeded"
    assert fake.payments[_psp(held_charge)].refunded == 1200
    assert _audit(server) == []


def test_3d_secure_sends_the_shopper_to_adyens_page(
    server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen
) -> None:
    adyen_processor(server, merchant, fake)
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {
            "amount": 4200,
            "currency": "eur",
            "payment_method": "pm_card_threeDSecure2Required",
            "confirm": True,
            "return_url": "https://shop.example/back",
        }
    )
    assert intent.status == "requires_action"
    assert intent.next_action is not None
    url = intent.next_action.redirect_to_url.url
    assert url.startswith(f"{fake.url}/checkoutshopper/threeDS/redirect?MD=")
    assert fake.payments[url.split("MD=")[1]].result == "RedirectShopper"
    assert httpx.get(url, timeout=30).status_code == 200


def test_a_chargeback_notification_opens_a_dispute(server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen) -> None:
    processor_id = adyen_processor(server, merchant, fake)
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {"amount": 6400, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True}
    )
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    hook = f"{server.base_url}/hooks/processors/{processor_id}"

    forged = fake.notify(hook, "CHARGEBACK", _psp(charge), hmac_key="00" * 32, chargebackReasonCode="10.4")
    assert forged.status_code == 400
    assert client.v1.disputes.list({"charge": charge.id}).data == []

    answered = fake.notify(hook, "CHARGEBACK", _psp(charge), chargebackReasonCode="10.4")
    assert answered.status_code == 200 and answered.json()["applied"] is True
    disputes = client.v1.disputes.list({"charge": charge.id}).data
    assert [(d.amount, d.reason, d.status) for d in disputes] == [(6400, "fraudulent", "needs_response")]
    again = fake.notify(hook, "CHARGEBACK", _psp(charge), chargebackReasonCode="10.4")
    assert again.status_code == 200 and again.json()["applied"] is False  # Adyen retries; one dispute
    refund_settled = fake.notify(hook, "REFUND", _psp(charge))
    assert refund_settled.status_code == 200
    assert _audit(server) == []


def test_refund_and_capture_notifications_are_told_in_stripes_shapes(fake: FakeAdyen) -> None:
    """What the hook applies: a verified REFUND or CAPTURE, success or not, as a Stripe-shaped event."""
    fake.payments["PSP1"] = Payment("PSP1", 900, "EUR", "ref", "Authorised")
    captured = [
        fake.notification("REFUND", "PSP1", success=False, reason="Insufficient balance"),
        fake.notification("CAPTURE", "PSP1"),
    ]
    refund, capture = (verify_notification(body, "", HMAC_KEY) for body in captured)
    assert refund["type"] == "charge.refund.updated"
    assert refund["data"]["object"]["payment_intent"] == "PSP1:EUR"
    assert (refund["data"]["object"]["status"], refund["data"]["object"]["amount"]) == ("failed", 900)
    assert capture["type"] == "lynk.adyen.capture" and capture["data"]["object"]["status"] == "succeeded"
    with pytest.raises(WebhookRejected):
        verify_notification(captured[0].replace(b"900", b"901"), "", HMAC_KEY)


def test_a_dead_adyen_fails_over_to_the_next_processor(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: the connection is refused
    add_processor(
        server, merchant, kind="adyen", secret_key=API_KEY, merchant_account=MERCHANT, api_base=dead, priority=0
    )
    backup = stripe_processor(server, merchant, acquirer, priority=1)
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {"amount": 3100, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert intent.status == "succeeded"
    assert lynk_processor(client.v1.charges.retrieve(str(intent.latest_charge)))["id"] == backup


def test_an_adyen_processor_needs_its_merchant_account(server: LynkServer, merchant: MerchantKeys) -> None:
    response = httpx.post(
        f"{server.base_url}/v1/lynk/processors",
        data={"kind": "adyen", "secret_key": API_KEY},
        headers={"Authorization": f"Bearer {merchant.secret_key}"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "merchant_account"


def test_no_card_number_reaches_the_log(
    server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen, lynk_log: Path
) -> None:
    adyen_processor(server, merchant, fake)
    client = sdk_client(server, merchant.secret_key)
    client.v1.payment_intents.create(
        {"amount": 700, "currency": "usd", "payment_method": "pm_card_amex", "confirm": True}
    )
    assert any("378282246310005" in body for body in fake.bodies)  # it was sent to Adyen…
    text = lynk_log.read_text()
    for number in ("378282246310005", "4242424242424242", "4000000000009995"):
        assert number not in text  # …and written nowhere


def test_a_lost_answer_at_adyen_does_not_fail_over(
    server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen, acquirer: Acquirer
) -> None:
    """The connection drops after Adyen made the payment: the router asks `status`, which finds it; the
    backup is not asked and the charge is Adyen's."""
    processor_id = adyen_processor(server, merchant, fake, priority=0)
    stripe_processor(server, merchant, acquirer, priority=1)
    fake.drop_answers = 1
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {"amount": 2200, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert intent.status == "succeeded"
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    assert lynk_processor(charge)["id"] == processor_id
    assert len(fake.payments) == 1 and fake.payments[_psp(charge)].captured == 2200
    assert list(acquirer.client.v1.payment_intents.list({"limit": 10}).data) == []


def test_an_adyen_answering_500_stops_with_processor_unavailable(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    """A 5xx leaves the outcome unknown; `status` sends the same request again, which fails too: the
    payment stops, and the backup is not asked (Adyen may have authorized)."""
    client = sdk_client(server, merchant.secret_key)
    with broken_processor("error") as (url, seen):
        add_processor(
            server, merchant, kind="adyen", secret_key=API_KEY, merchant_account=MERCHANT, api_base=url, priority=0
        )
        stripe_processor(server, merchant, acquirer, priority=1)
        intent = client.v1.payment_intents.create({"amount": 3100, "currency": "usd"})
        with pytest.raises(stripe.APIError) as raised:
            client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert (raised.value.http_status, raised.value.error.code) == (503, "processor_unavailable")
    assert seen == ["POST /v71/payments", "POST /v71/payments"]  # the request, then the same one for `status`
    assert list(acquirer.client.v1.payment_intents.list({"limit": 10}).data) == []


def test_the_cli_adds_an_adyen_processor(
    server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen, cli_env: dict[str, str]
) -> None:
    added = _lynk(
        cli_env,
        *("processors", "add", "--merchant", merchant.id, "--kind", "adyen", "--api-key", API_KEY),
        *("--merchant-account", MERCHANT, "--api-base", fake.url, "--hmac-key", HMAC_KEY, "--json"),
    )
    assert added.returncode == 0, added.stderr
    created = json.loads(added.stdout)
    assert created["kind"] == "adyen" and API_KEY not in added.stdout and HMAC_KEY not in added.stdout
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {"amount": 1500, "currency": "gbp", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert lynk_processor(client.v1.charges.retrieve(str(intent.latest_charge)))["id"] == created["id"]

    live = _lynk(
        cli_env,
        *("processors", "add", "--merchant", merchant.id, "--mode", "live", "--kind", "adyen"),
        *(
            "--api-key",
            API_KEY,
            "--merchant-account",
            MERCHANT,
            "--live-prefix",
            "abc123-LynkDemo",
            "--json",
        ),
    )
    assert live.returncode == 0, live.stderr
    assert json.loads(live.stdout)["api_base"] == "https://abc123-LynkDemo-checkout-live.adyenpayments.com/checkout"
    no_prefix = _lynk(
        cli_env,
        *("processors", "add", "--merchant", merchant.id, "--mode", "live", "--kind", "adyen"),
        *("--api-key", API_KEY, "--merchant-account", MERCHANT),
    )
    assert no_prefix.returncode != 0 and "live_prefix" in no_prefix.stderr + no_prefix.stdout


def test_a_card_set_up_for_later_is_verified_with_a_zero_amount(
    server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen
) -> None:
    adyen_processor(server, merchant, fake)
    client = sdk_client(server, merchant.secret_key)
    customer = client.v1.customers.create({"email": "saver@example.com"})
    setup = client.v1.setup_intents.create(
        {"customer": customer.id, "payment_method": "pm_card_visa", "confirm": True, "usage": "off_session"}
    )
    assert setup.status == "succeeded"
    [verified] = fake.payments.values()
    assert (verified.amount, verified.result) == (0, "Authorised")
    assert '"recurringProcessingModel": "UnscheduledCardOnFile"' in fake.bodies[0]
