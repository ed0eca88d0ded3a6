"""Later outcomes a merchant's processor reports by webhook (B, a second Lynk acting as Stripe, signs and
delivers them to A's /hooks/processors/{proc_id}): a payment the shopper authenticated at B but never
came back from, and a dispute B decided. Each is applied through A's own state machines, ledger and events,
once: a redelivered event changes nothing."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import stripe

from lynk.ledger import invariants
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.payments.bank_support import run_jobs
from tests.processors.support import Acquirer, acquirer, lynk_processor, stripe_processor, stripe_server
from tests.processors.test_processor_webhooks import connect_webhooks
from tests.servers import LynkServer
from tests.webhooks.support import run_worker

__all__ = ["acquirer", "stripe_server"]  # fixtures


def _ledger_balances(server: LynkServer) -> None:
    async def audit() -> list[str]:
        async with server.db.transaction(write=False) as session:
            return await invariants.verify(session)

    assert server.call(audit) == []


def _redeliver(server: LynkServer, processor_id: str, secret: str, event: stripe.Event) -> dict[str, object]:
    """B's event sent to A again, signed with B's secret, as a processor's retry would."""
    payload = json.dumps(event.to_dict())
    now = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{now}.{payload}", secret)
    answer = httpx.post(
        f"{server.base_url}/hooks/processors/{processor_id}",
        content=payload,
        headers={"Stripe-Signature": f"t={now},v1={signature}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _authenticate_at_b(acquirer: Acquirer, url: str, outcome: str) -> None:
    """The shopper answers B's challenge page, then closes the window: A never sees them come back."""
    reference = url.split("/3ds/")[1].split("?")[0]
    secret = url.split("client_secret=")[1].split("&")[0]
    answered = httpx.post(
        f"{acquirer.server.base_url}/3ds/{reference}", data={"client_secret": secret, "outcome": outcome}
    )
    assert answered.status_code == 303


@pytest.mark.parametrize("outcome", ["complete", "fail"])
def test_a_payment_authenticated_at_the_processor_is_settled_by_its_webhook(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer, outcome: str
) -> None:
    processor_id = stripe_processor(server, merchant, acquirer)
    events = ("payment_intent.succeeded", "payment_intent.payment_failed")
    secret = connect_webhooks(server, merchant, acquirer, processor_id, events)
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {
            "amount": 3300,
            "currency": "usd",
            "payment_method": "pm_card_threeDSecure2Required",
            "confirm": True,
            "return_url": "https://shop.example/back",
        }
    )
    assert intent.status == "requires_action" and intent.next_action is not None
    _authenticate_at_b(acquirer, intent.next_action.redirect_to_url.url, outcome)
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_action"  # A has not heard yet

    run_worker(acquirer.server)  # B delivers

    here = client.v1.payment_intents.retrieve(intent.id)
    kind = "payment_intent.succeeded" if outcome == "complete" else "payment_intent.payment_failed"
    [sent] = acquirer.client.v1.events.list({"type": kind}).data[:1]
    there = acquirer.client.v1.payment_intents.retrieve(sent.data.object["id"])
    assert here.status == there.status == ("succeeded" if outcome == "complete" else "requires_payment_method")
    if outcome == "complete":
        assert lynk_processor(client.v1.charges.retrieve(str(here.latest_charge)))["reference"] == there.id
    else:
        assert here.last_payment_error is not None and there.last_payment_error is not None
        assert here.last_payment_error.code == there.last_payment_error.code
    assert [e.type for e in client.v1.events.list({"type": kind}).data] == [kind]
    assert _redeliver(server, processor_id, secret, sent) == {"received": True, "applied": False}
    assert [e.type for e in client.v1.events.list({"type": kind}).data] == [kind]  # once
    assert len(client.v1.charges.list({"payment_intent": intent.id}).data) == 1
    _ledger_balances(server)


@pytest.mark.parametrize(("evidence", "verdict"), [("winning_evidence", "won"), ("losing_evidence", "lost")])
def test_a_dispute_the_processor_decides_is_closed_the_same_way_at_lynk(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer, evidence: str, verdict: str
) -> None:
    processor_id = stripe_processor(server, merchant, acquirer)
    events = ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed")
    secret = connect_webhooks(server, merchant, acquirer, processor_id, events)
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {"amount": 6400, "currency": "usd", "payment_method": "pm_card_createDispute", "confirm": True}
    )
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    reference = lynk_processor(charge)["reference"]
    run_worker(acquirer.server)
    [opened] = client.v1.disputes.list({"charge": charge.id}).data
    assert opened.status == "needs_response"

    [at_b] = acquirer.client.v1.disputes.list({"payment_intent": reference}).data
    acquirer.client.v1.disputes.update(at_b.id, {"evidence": {"uncategorized_text": evidence}})
    run_jobs(acquirer.server)  # B decides
    assert acquirer.client.v1.disputes.retrieve(at_b.id).status == verdict
    run_worker(acquirer.server)  # and tells A

    closed = client.v1.disputes.retrieve(opened.id)
    assert closed.status == verdict
    categories = [t.reporting_category for t in closed.balance_transactions]
    assert categories == (["dispute", "dispute_reversal"] if verdict == "won" else ["dispute"])
    [sent] = acquirer.client.v1.events.list({"type": "charge.dispute.closed"}).data[:1]
    assert _redeliver(server, processor_id, secret, sent) == {"received": True, "applied": False}
    kinds = [e.type for e in client.v1.events.list({"type": "charge.dispute.closed"}).data]
    assert kinds == ["charge.dispute.closed"]
    _ledger_balances(server)
