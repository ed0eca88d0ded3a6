"""3-D Secure at merchant A's own processor (a second Lynk acting as Stripe), completed end to end over
HTTP as the browser does it: A's intent sends the shopper to the processor's challenge page, the shopper
answers it, the processor sends the shopper back to A, and A asks the processor what became of the
attempt, writes it, and sends the shopper on to the merchant's `return_url`. Both ends then agree."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from lynk.ledger import invariants
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.processors.support import Acquirer, acquirer, lynk_processor, stripe_processor, stripe_server
from tests.servers import LynkServer

__all__ = ["acquirer", "stripe_server"]  # fixtures

SHOP = "https://shop.example/back?order=7"


def _challenge(url: str, outcome: str) -> str:
    """The shopper on the processor's page: load it, submit its form; returns where the processor sends them."""
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'name="(client_secret|attempt)" value="([^"]*)"', page.text))
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action is not None and fields.keys() == {"client_secret", "attempt"}
    parts = urlsplit(url)
    answered = httpx.post(f"{parts.scheme}://{parts.netloc}{action.group(1)}", data={**fields, "outcome": outcome})
    assert answered.status_code == 303, answered.text
    return answered.headers["location"]


def _ledger_balances(server: LynkServer) -> None:
    async def audit() -> list[str]:
        async with server.db.transaction(write=False) as session:
            return await invariants.verify(session)

    assert server.call(audit) == []


@pytest.mark.parametrize("outcome", ["complete", "fail"])
def test_3d_secure_completed_at_the_processor_settles_the_intent_at_both_ends(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer, outcome: str, lynk_log: Path
) -> None:
    client = sdk_client(server, merchant.secret_key)
    processor_id = stripe_processor(server, merchant, acquirer)
    intent = client.v1.payment_intents.create(
        {
            "amount": 4200,
            "currency": "eur",
            "payment_method": "pm_card_threeDSecure2Required",
            "confirm": True,
            "return_url": SHOP,
        }
    )
    assert intent.status == "requires_action" and intent.next_action is not None
    upstream_id = intent.next_action.redirect_to_url.url.split("/3ds/")[1].split("?")[0]

    back_at_lynk = _challenge(intent.next_action.redirect_to_url.url, outcome)
    assert back_at_lynk.startswith(f"{server.base_url}/hooks/processors/{processor_id}/return?")
    assert parse_qs(urlsplit(back_at_lynk).query)["payment_intent"] == [upstream_id]
    to_shop = httpx.get(back_at_lynk, timeout=30)
    assert to_shop.status_code == 303, to_shop.text
    shop = urlsplit(to_shop.headers["location"])
    query = parse_qs(shop.query)
    assert (shop.netloc, query["order"], query["payment_intent"]) == ("shop.example", ["7"], [intent.id])
    assert query["payment_intent_client_secret"] == [intent.client_secret]

    here, there = (
        client.v1.payment_intents.retrieve(intent.id),
        acquirer.client.v1.payment_intents.retrieve(upstream_id),
    )
    if outcome == "complete":
        assert query["redirect_status"] == ["succeeded"]
        assert (here.status, there.status) == ("succeeded", "succeeded")
        charge = client.v1.charges.retrieve(str(here.latest_charge))
        assert lynk_processor(charge) == {"id": processor_id, "reference": upstream_id}
        assert charge.amount_captured == 4200
    else:
        assert query["redirect_status"] == ["failed"]
        assert (here.status, there.status) == ("requires_payment_method", "requires_payment_method")
        assert here.last_payment_error is not None and there.last_payment_error is not None
        assert here.last_payment_error.code == there.last_payment_error.code
    # The shopper reloads the return page: nothing changes.
    assert httpx.get(back_at_lynk, timeout=30).headers["location"] == to_shop.headers["location"]
    assert len(client.v1.charges.list({"payment_intent": intent.id}).data) == 1
    _ledger_balances(server)
    assert "4000000000003220" not in lynk_log.read_text()  # the 3-D Secure card, in neither server's log


def test_a_return_naming_no_attempt_changes_nothing(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    processor_id = stripe_processor(server, merchant, acquirer)
    answer = httpx.get(f"{server.base_url}/hooks/processors/{processor_id}/return?lynk_attempt=nope@{processor_id}")
    assert answer.status_code == 404
    assert httpx.get(f"{server.base_url}/hooks/processors/proc_unknown/return").status_code == 404
