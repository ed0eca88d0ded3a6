"""3-D Secure is bound to what the shopper was shown (issue 11 item 8): changing the amount, currency or
method of an intent waiting on a challenge ends it, and a page of the old challenge never charges."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import stripe

from tests.servers import LynkServer

RETURN_URL = "https://shop.example/done"


def _open_challenge(pi: Any) -> tuple[str, dict[str, str]]:
    """The challenge page as the shopper sees it, and the form its "Complete authentication" button sends."""
    page = httpx.get(pi.next_action.redirect_to_url.url)
    assert page.status_code == 200
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    return page.text, {**fields, "outcome": "complete"}


def _challenged(client: stripe.StripeClient) -> stripe.PaymentIntent:
    """A payment of 20.00 waiting on the shopper's 3-D Secure challenge."""
    return client.v1.payment_intents.create(
        params={
            "amount": 2_000,
            "currency": "usd",
            "payment_method": "pm_card_threeDSecure2Required",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    )


@pytest.mark.parametrize(
    "change",
    [{"amount": 99_999}, {"currency": "eur"}, {"payment_method": "pm_card_threeDSecure2Required"}],
    ids=["amount", "currency", "payment_method"],
)
def test_changing_what_is_authenticated_ends_the_challenge(
    server: LynkServer, client: stripe.StripeClient, change: dict[str, Any]
) -> None:
    pi = _challenged(client)
    assert pi.status == "requires_action"
    shown, old_form = _open_challenge(pi)
    assert "20.00" in shown

    updated = client.v1.payment_intents.update(pi.id, params=change)  # type: ignore[arg-type]
    assert (updated.status, updated.next_action) == ("requires_confirmation", None)

    # The shopper completes the page they opened before the change: nothing is charged.
    httpx.post(f"{server.base_url}/3ds/{pi.id}", data=old_form)
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_confirmation"
    assert client.v1.charges.list(params={"payment_intent": pi.id}).data == []

    # A new confirm asks for a new authentication; the old page still cannot answer it.
    again = client.v1.payment_intents.confirm(pi.id)
    assert again.status == "requires_action"
    stale = httpx.post(f"{server.base_url}/3ds/{pi.id}", data=old_form)
    assert stale.status_code == 409 and "no longer valid" in stale.text
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_action"
    assert client.v1.charges.list(params={"payment_intent": pi.id}).data == []

    # The new page shows what is asked now, and completing it pays exactly that.
    shown, new_form = _open_challenge(again)
    if "amount" in change:
        assert "999.99" in shown
    assert httpx.post(f"{server.base_url}/3ds/{pi.id}", data=new_form, follow_redirects=False).status_code == 303
    paid = client.v1.payment_intents.retrieve(pi.id)
    assert (paid.status, paid.amount_received, paid.currency) == ("succeeded", updated.amount, updated.currency)


def test_changing_only_the_description_keeps_the_challenge(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = _challenged(client)
    _shown, form = _open_challenge(pi)
    assert client.v1.payment_intents.update(pi.id, params={"description": "Order 7"}).status == "requires_action"
    assert httpx.post(f"{server.base_url}/3ds/{pi.id}", data=form, follow_redirects=False).status_code == 303
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"
