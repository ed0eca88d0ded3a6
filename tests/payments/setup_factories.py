"""Small factories for SetupIntent and off-session tests: cards, saved cards, the 3-D Secure page."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx
import stripe

from lynk.ledger import invariants
from tests.servers import LynkServer

RETURN_URL = "https://shop.example/saved"


def card_method(client: stripe.StripeClient, number: str, **extra: Any) -> stripe.PaymentMethod:
    card = {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    return client.v1.payment_methods.create(params={"type": "card", "card": card, **extra})  # type: ignore[typeddict-item]


def authenticate(server: LynkServer, intent: Any, outcome: Literal["complete", "fail"]) -> httpx.Response:
    """Do what the shopper does: open `next_action.redirect_to_url.url` and press a button."""
    url = intent.next_action.redirect_to_url.url
    page = httpx.get(url)
    assert page.status_code == 200
    assert "Complete authentication" in page.text and "Fail authentication" in page.text
    secret = parse_qs(urlsplit(url).query)["client_secret"][0]
    return httpx.post(
        f"{server.base_url}/3ds/{intent.id}", data={"client_secret": secret, "outcome": outcome}, follow_redirects=False
    )


def save_card(
    server: LynkServer, client: stripe.StripeClient, number: str, customer: str, **extra: Any
) -> stripe.SetupIntent:
    """Save a card for off-session use with a SetupIntent, completing 3-D Secure if the card asks."""
    pm = card_method(client, number)
    params = {"customer": customer, "payment_method": pm.id, "confirm": True, "return_url": RETURN_URL, **extra}
    si = client.v1.setup_intents.create(params=params)  # type: ignore[arg-type]
    if si.status == "requires_action":
        assert authenticate(server, si, "complete").status_code == 303
        si = client.v1.setup_intents.retrieve(si.id)
    return si


def event_types(client: stripe.StripeClient, object_id: str) -> list[str]:
    """The types of the events about `object_id`, oldest first."""
    events = client.v1.events.list(params={"limit": 100}).data
    return [e.type for e in reversed(events) if getattr(e.data.object, "id", None) == object_id]


def pending_usd(client: stripe.StripeClient) -> int:
    return sum(b.amount for b in client.v1.balance.retrieve().pending if b.currency == "usd")


def assert_books_balance(server: LynkServer) -> None:
    assert server.write(invariants.verify) == []
