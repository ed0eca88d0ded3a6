"""Merchant A pays through the Stripe connector, pointed at a second Lynk acting as Stripe (B).

Every outcome is checked at both ends: what A's API says, and what B's API says of the same payment
(found by the reference A records in the charge's `lynk_processor`)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import stripe

from lynk.ledger import invariants
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.processors.support import Acquirer, acquirer, lynk_processor, stripe_processor, stripe_server
from tests.servers import LynkServer

__all__ = ["acquirer", "stripe_server"]  # fixtures


@pytest.fixture
def routed(server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer) -> tuple[stripe.StripeClient, str]:
    """A's client, with A's test mode routed to B; and the processor's id."""
    return sdk_client(server, merchant.secret_key), stripe_processor(server, merchant, acquirer, name="B")


def _charge(client: stripe.StripeClient, intent: stripe.PaymentIntent) -> stripe.Charge:
    assert intent.latest_charge is not None
    return client.v1.charges.retrieve(str(intent.latest_charge))


def test_a_payment_is_made_at_the_processor(routed: tuple[stripe.StripeClient, str], acquirer: Acquirer) -> None:
    client, processor_id = routed
    intent = client.v1.payment_intents.create(
        {"amount": 2500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert intent.status == "succeeded"
    served = lynk_processor(_charge(client, intent))
    assert served["id"] == processor_id
    there = acquirer.client.v1.payment_intents.retrieve(served["reference"])
    assert (there.status, there.amount, there.amount_received, there.currency) == ("succeeded", 2500, 2500, "usd")
    assert there.metadata["lynk_idempotency_key"].endswith(f"@{processor_id}")


def test_a_decline_keeps_stripes_codes_at_both_ends(
    routed: tuple[stripe.StripeClient, str], acquirer: Acquirer
) -> None:
    client, processor_id = routed
    intent = client.v1.payment_intents.create({"amount": 1800, "currency": "usd"})
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_chargeDeclinedInsufficientFunds"})
    assert (raised.value.code, raised.value.error.decline_code) == ("card_declined", "insufficient_funds")
    after = client.v1.payment_intents.retrieve(intent.id)
    assert after.status == "requires_payment_method"
    served = lynk_processor(_charge(client, after))
    assert served["id"] == processor_id
    there = acquirer.client.v1.payment_intents.retrieve(served["reference"])
    assert there.status == "requires_payment_method"
    assert there.last_payment_error is not None
    assert (there.last_payment_error.code, there.last_payment_error.decline_code) == (
        "card_declined",
        "insufficient_funds",
    )


def test_3d_secure_sends_the_shopper_to_the_processors_page(
    routed: tuple[stripe.StripeClient, str], acquirer: Acquirer
) -> None:
    client, _ = routed
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
    assert url.startswith(f"{acquirer.server.base_url}/3ds/pi_")  # the processor's own challenge, passed through
    reference = url.split("/3ds/")[1].split("?")[0]
    assert acquirer.client.v1.payment_intents.retrieve(reference).status == "requires_action"


def test_partial_capture_and_refund_match_at_both_ends(
    server: LynkServer, routed: tuple[stripe.StripeClient, str], acquirer: Acquirer
) -> None:
    client, _ = routed
    intent = client.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "usd",
            "payment_method": "pm_card_mastercard",
            "confirm": True,
            "capture_method": "manual",
        }
    )
    assert intent.status == "requires_capture"
    reference = lynk_processor(_charge(client, intent))["reference"]
    assert acquirer.client.v1.payment_intents.retrieve(reference).status == "requires_capture"

    captured = client.v1.payment_intents.capture(intent.id, {"amount_to_capture": 3000})
    assert (captured.status, captured.amount_received) == ("succeeded", 3000)
    there = acquirer.client.v1.payment_intents.retrieve(reference)
    assert (there.status, there.amount_received) == ("succeeded", 3000)

    refund = client.v1.refunds.create({"payment_intent": intent.id, "amount": 1200})
    assert refund.status == "succeeded"
    refunds_there = acquirer.client.v1.refunds.list({"payment_intent": reference}).data
    assert [r.amount for r in refunds_there] == [1200]
    assert _charge(client, captured).amount_refunded == 1200
    assert acquirer.client.v1.charges.retrieve(str(there.latest_charge)).amount_refunded == 1200

    problems = server.call(lambda: _audit(server))
    assert problems == []


def test_a_void_releases_the_authorization_at_the_processor(
    routed: tuple[stripe.StripeClient, str], acquirer: Acquirer
) -> None:
    client, _ = routed
    intent = client.v1.payment_intents.create(
        {
            "amount": 900,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "capture_method": "manual",
        }
    )
    reference = lynk_processor(_charge(client, intent))["reference"]
    assert client.v1.payment_intents.cancel(intent.id).status == "canceled"
    assert acquirer.client.v1.payment_intents.retrieve(reference).status == "canceled"


def test_no_card_number_reaches_either_servers_log(routed: tuple[stripe.StripeClient, str], lynk_log: Path) -> None:
    client, _ = routed
    client.v1.payment_intents.create(
        {"amount": 700, "currency": "usd", "payment_method": "pm_card_amex", "confirm": True}
    )
    text = lynk_log.read_text()
    for number in ("378282246310005", "4242424242424242", "5555555555554444", "4000002760003184"):
        assert number not in text


async def _audit(server: LynkServer) -> list[str]:
    async with server.db.transaction(write=False) as session:
        return await invariants.verify(session)


def test_a_card_set_up_for_later_is_verified_at_the_processor(
    routed: tuple[stripe.StripeClient, str], acquirer: Acquirer
) -> None:
    client, _ = routed
    customer = client.v1.customers.create({"email": "saver@example.com"})
    setup = client.v1.setup_intents.create(
        {"customer": customer.id, "payment_method": "pm_card_visa", "confirm": True, "usage": "off_session"}
    )
    assert setup.status == "succeeded"
    verified_there = acquirer.client.v1.setup_intents.list({"limit": 10}).data
    assert [s.status for s in verified_there] == ["succeeded"]


def test_a_removed_processor_still_captures_and_refunds_what_it_authorized(
    server: LynkServer, merchant: MerchantKeys, routed: tuple[stripe.StripeClient, str], acquirer: Acquirer
) -> None:
    client, processor_id = routed
    intent = client.v1.payment_intents.create(
        {
            "amount": 3300,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "capture_method": "manual",
        }
    )
    reference = lynk_processor(_charge(client, intent))["reference"]
    removed = httpx.delete(
        f"{server.base_url}/v1/lynk/processors/{processor_id}",
        headers={"Authorization": f"Bearer {merchant.secret_key}"},
        timeout=30,
    )
    assert removed.status_code == 200
    assert client.v1.payment_intents.capture(intent.id).status == "succeeded"
    client.v1.refunds.create({"payment_intent": intent.id, "amount": 300})
    there = acquirer.client.v1.payment_intents.retrieve(reference)
    assert (there.status, there.amount_received) == ("succeeded", 3300)
    assert [r.amount for r in acquirer.client.v1.refunds.list({"payment_intent": reference}).data] == [300]
