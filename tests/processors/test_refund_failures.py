"""A refund the processor accepted and later could not pay out, applied at merchant A as Stripe does it: the
refund `failed` with a `failure_reason`, the charge's `amount_refunded` back down, a `refund_failure`
balance transaction giving the money back, the events recorded, the ledger whole; a redelivery changes
nothing. Told by Adyen (a signed REFUND_FAILED from the fake) and by a Stripe-shaped signed
`charge.refund.updated` from B, the second Lynk acting as Stripe."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import stripe

from lynk.connectors.adyen_webhooks import signature
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.processors.adyen_fake import HMAC_KEY, FakeAdyen
from tests.processors.support import Acquirer, acquirer, lynk_processor, stripe_processor, stripe_server
from tests.processors.test_adyen import _audit, _psp, adyen_processor, fake
from tests.processors.test_processor_webhooks import connect_webhooks
from tests.servers import LynkServer

__all__ = ["acquirer", "fake", "stripe_server"]  # fixtures


def _funds(client: stripe.StripeClient, currency: str) -> int:
    """The merchant's available plus pending funds in `currency`."""
    balance = client.v1.balance.retrieve()
    return sum(f.amount for f in [*balance.available, *balance.pending] if f.currency == currency)


def _refund_psp(fake: FakeAdyen, payment_psp: str) -> str:
    """The pspReference Adyen gave the refund of payment `payment_psp` (its answer, kept by idempotency key)."""
    found = [
        answer["pspReference"]
        for key, (_raw, _status, answer) in fake.idempotency.items()
        if ":refund" in key and answer.get("paymentPspReference") == payment_psp
    ]
    assert len(found) == 1, fake.idempotency
    return str(found[0])


def _refund_failed_notice(fake: FakeAdyen, payment_psp: str, refund_psp: str, value: int) -> bytes:
    """Adyen's REFUND_FAILED: its pspReference is the refund's, its originalReference the payment's."""
    body = json.loads(fake.notification("REFUND_FAILED", payment_psp, value=value, reason="Refund failed"))
    item = body["notificationItems"][0]["NotificationRequestItem"]
    item["pspReference"] = refund_psp
    item["additionalData"]["hmacSignature"] = signature(item, HMAC_KEY)
    return json.dumps(body).encode()


def _assert_failed(client: stripe.StripeClient, refund_id: str, charge_id: str, reason: str) -> None:
    refund = client.v1.refunds.retrieve(refund_id)
    assert (refund.status, refund.failure_reason) == ("failed", reason)
    charge = client.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    back = client.v1.balance_transactions.list({"type": "refund_failure"}).data
    assert [(t.amount, t.fee, t.net, t.source) for t in back] == [(refund.amount, 0, refund.amount, refund.id)]
    assert refund.failure_balance_transaction == back[0].id
    expanded = client.v1.refunds.retrieve(refund_id, {"expand": ["failure_balance_transaction"]})
    assert expanded.failure_balance_transaction.type == "refund_failure"
    for kind in ("refund.failed", "charge.refund.updated", "refund.updated"):
        told = client.v1.events.list({"type": kind}).data
        assert [(e.data.object["id"], e.data.object["status"]) for e in told] == [(refund.id, "failed")], kind


def test_an_adyen_refund_failed_notification_gives_the_money_back(
    server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen
) -> None:
    processor_id = adyen_processor(server, merchant, fake)
    client = sdk_client(server, merchant.secret_key)
    paid = client.v1.payment_intents.create(
        {"amount": 5000, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True}
    )
    charge = client.v1.charges.retrieve(str(paid.latest_charge))
    funds = _funds(client, "eur")
    refund = client.v1.refunds.create({"charge": charge.id, "amount": 2000})
    assert refund.status == "succeeded" and _funds(client, "eur") == funds - 2000
    hook = f"{server.base_url}/hooks/processors/{processor_id}"
    refund_psp = _refund_psp(fake, _psp(charge))

    fake.payments[_psp(charge)].refunded -= 2000  # at Adyen, the refund failed: the payment is refundable again
    notice = _refund_failed_notice(fake, _psp(charge), refund_psp, 2000)
    headers = {"Content-Type": "application/json"}
    applied = httpx.post(hook, content=notice, headers=headers, timeout=30)
    assert applied.status_code == 200 and applied.json()["applied"] is True, applied.text

    _assert_failed(client, refund.id, charge.id, "unknown")  # Adyen's own words are not one of Stripe's reasons
    assert _funds(client, "eur") == funds
    assert _audit(server) == []

    again = httpx.post(hook, content=notice, headers=headers, timeout=30)  # Adyen delivers at least once
    assert again.status_code == 200 and again.json()["applied"] is False
    _assert_failed(client, refund.id, charge.id, "unknown")
    assert _funds(client, "eur") == funds
    assert _audit(server) == []

    other = fake.notify(hook, "REFUND_FAILED", _psp(charge))  # names no refund Lynk made
    assert other.status_code == 200 and other.json()["applied"] is False
    whole = client.v1.refunds.create({"charge": charge.id})  # what failed to go back can be refunded again
    assert (whole.status, whole.amount) == ("succeeded", 5000)
    assert client.v1.charges.retrieve(charge.id).refunded
    assert _audit(server) == []


def _signed(secret: str, event: dict[str, Any]) -> tuple[str, dict[str, str]]:
    payload, now = json.dumps(event), int(time.time())
    digest = stripe.WebhookSignature._compute_signature(f"{now}.{payload}", secret)
    return payload, {"Stripe-Signature": f"t={now},v1={digest}", "Content-Type": "application/json"}


def test_a_stripe_refund_updated_to_failed_gives_the_money_back(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    processor_id = stripe_processor(server, merchant, acquirer)
    secret = connect_webhooks(server, merchant, acquirer, processor_id)
    client = sdk_client(server, merchant.secret_key)
    paid = client.v1.payment_intents.create(
        {"amount": 3000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    charge = client.v1.charges.retrieve(str(paid.latest_charge))
    funds = _funds(client, "usd")
    refund = client.v1.refunds.create({"payment_intent": paid.id, "amount": 1000})
    assert refund.status == "succeeded"
    there = acquirer.client.v1.refunds.list({"payment_intent": lynk_processor(charge)["reference"]}).data
    assert [r.amount for r in there] == [1000]
    hook = f"{server.base_url}/hooks/processors/{processor_id}"
    failed = {"id": there[0].id, "object": "refund", "amount": 1000, "status": "failed"}
    failed["failure_reason"] = "expired_or_canceled_card"

    for kind, applied in (("charge.refund.updated", True), ("refund.failed", False)):  # the second tells again
        event = {"id": f"evt_{kind}", "object": "event", "type": kind, "data": {"object": failed}}
        payload, headers = _signed(secret, event)
        answer = httpx.post(hook, content=payload, headers=headers, timeout=30)
        assert answer.status_code == 200 and answer.json()["applied"] is applied, answer.text

    _assert_failed(client, refund.id, charge.id, "expired_or_canceled_card")
    assert _funds(client, "usd") == funds
    assert _audit(server) == []
