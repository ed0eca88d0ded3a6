"""A processor's webhooks reach merchant A at /hooks/processors/{proc_id}: B (a second Lynk acting as
Stripe) opens a dispute on the payment A sent it, signs and delivers `charge.dispute.created`, and A
opens the same dispute on its own charge, through its ledger and events."""

from __future__ import annotations

import json
import time

import httpx
import stripe

from lynk.ledger import invariants
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.processors.support import Acquirer, acquirer, lynk_processor, stripe_processor, stripe_server
from tests.servers import LynkServer
from tests.webhooks.support import run_worker

__all__ = ["acquirer", "stripe_server"]  # fixtures


def connect_webhooks(
    server: LynkServer,
    merchant: MerchantKeys,
    acquirer: Acquirer,
    processor_id: str,
    events: tuple[str, ...] = ("charge.dispute.created",),
) -> str:
    """B sends these events to A's hook for this processor; A keeps B's signing secret."""
    endpoint = acquirer.client.v1.webhook_endpoints.create(
        {"url": f"{server.base_url}/hooks/processors/{processor_id}", "enabled_events": list(events)}
    )
    assert endpoint.secret
    updated = httpx.post(
        f"{server.base_url}/v1/lynk/processors/{processor_id}",
        data={"webhook_secret": endpoint.secret},
        headers={"Authorization": f"Bearer {merchant.secret_key}"},
        timeout=30,
    )
    assert updated.status_code == 200 and endpoint.secret not in updated.text
    return endpoint.secret


def test_a_dispute_at_the_processor_is_opened_at_lynk(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    processor_id = stripe_processor(server, merchant, acquirer)
    connect_webhooks(server, merchant, acquirer, processor_id)
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {"amount": 6400, "currency": "usd", "payment_method": "pm_card_createDispute", "confirm": True}
    )
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    reference = lynk_processor(charge)["reference"]
    assert not charge.disputed  # A simulates no dispute for a charge its processor served: the processor tells
    there = acquirer.client.v1.disputes.list({"payment_intent": reference}).data
    assert [(d.amount, d.reason) for d in there] == [(6400, "fraudulent")]

    run_worker(acquirer.server)  # B delivers its webhooks

    disputes = client.v1.disputes.list({"charge": charge.id}).data
    assert [(d.amount, d.reason, d.status) for d in disputes] == [(6400, "fraudulent", "needs_response")]
    assert client.v1.charges.retrieve(charge.id).disputed
    events = client.v1.events.list({"type": "charge.dispute.created"}).data
    assert [e.data.object["charge"] for e in events] == [charge.id]

    async def audit() -> list[str]:
        async with server.db.transaction(write=False) as session:
            return await invariants.verify(session)

    assert server.call(audit) == []


def test_a_webhook_that_does_not_verify_changes_nothing(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    processor_id = stripe_processor(server, merchant, acquirer)
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {"amount": 900, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    reference = lynk_processor(client.v1.charges.retrieve(str(intent.latest_charge)))["reference"]
    url = f"{server.base_url}/hooks/processors/{processor_id}"
    event = {
        "id": "evt_forged",
        "object": "event",
        "type": "charge.dispute.created",
        "data": {
            "object": {
                "object": "dispute",
                "payment_intent": reference,
                "reason": "fraudulent",
                "status": "needs_response",
            }
        },
    }
    payload = json.dumps(event)
    assert httpx.post(url, content=payload, timeout=30).status_code == 404  # no webhook secret configured yet
    secret = connect_webhooks(server, merchant, acquirer, processor_id)
    forged = stripe.WebhookSignature._compute_signature(f"{int(time.time())}.{payload}", "whsec_not_the_secret")
    refused = httpx.post(
        url, content=payload, headers={"Stripe-Signature": f"t={int(time.time())},v1={forged}"}, timeout=30
    )
    assert refused.status_code == 400
    stale_time = int(time.time()) - 3600
    stale = stripe.WebhookSignature._compute_signature(f"{stale_time}.{payload}", secret)
    too_old = httpx.post(url, content=payload, headers={"Stripe-Signature": f"t={stale_time},v1={stale}"}, timeout=30)
    assert too_old.status_code == 400
    assert client.v1.disputes.list({"payment_intent": intent.id}).data == []
    assert httpx.post(f"{server.base_url}/hooks/processors/proc_nope", content=payload, timeout=30).status_code == 404
