"""Factories for paying by bank: us_bank_account PaymentMethods, ACH PaymentIntents, settling them."""

from __future__ import annotations

from typing import Any

import stripe

from lynk.api import maintenance
from lynk.api.maintenance import Upkeep
from lynk.ledger import invariants
from tests.servers import LynkServer

ROUTING = "110000000"
SUCCEEDS = "000123456789"
# account number → (Stripe's failure code, ACH return code)
FAILURES = {
    "000111111113": ("account_closed", "R02"),
    "000111111116": ("no_account", "R03"),
    "000222222227": ("insufficient_funds", "R01"),
    "000333333335": ("debit_not_authorized", "R10"),
}
ALL_TEST_ACCOUNTS = [SUCCEEDS, *FAILURES, "000444444440"]
MANDATE = {"customer_acceptance": {"type": "online", "online": {"ip_address": "127.0.0.1", "user_agent": "pytest"}}}


def bank_method(client: stripe.StripeClient, account: str = SUCCEEDS, **extra: Any) -> stripe.PaymentMethod:
    params: dict[str, Any] = {
        "type": "us_bank_account",
        "us_bank_account": {"routing_number": ROUTING, "account_number": account, "account_holder_type": "individual"},
        "billing_details": {"name": "Jenny Rosen"},
        **extra,
    }
    return client.v1.payment_methods.create(params=params)  # type: ignore[arg-type]


def pay_by_bank(
    client: stripe.StripeClient, amount: int, account: str = SUCCEEDS, **extra: Any
) -> stripe.PaymentIntent:
    method = bank_method(client, account)
    params: dict[str, Any] = {
        "amount": amount,
        "currency": "usd",
        "payment_method_types": ["us_bank_account"],
        "payment_method": method.id,
        "mandate_data": MANDATE,
        "confirm": True,
        **extra,
    }
    return client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]


def run_jobs(server: LynkServer) -> Upkeep:
    return server.call(lambda: maintenance.run_once(server.runtime))


def settle(server: LynkServer) -> Upkeep:
    """Let the settlement delay pass and run the clock-driven jobs."""
    server.clock.advance(server.settings.bank_debit_settlement_seconds + 1)
    return run_jobs(server)


def books_balance(server: LynkServer) -> None:
    assert server.write(invariants.verify) == []


def event_types(client: stripe.StripeClient, object_id: str) -> list[str]:
    """Types of the events about `object_id`, oldest first."""
    events = client.v1.events.list(params={"limit": 100}).data
    return [e.type for e in reversed(events) if e.data.object.id == object_id]
