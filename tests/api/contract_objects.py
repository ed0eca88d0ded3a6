"""Objects that exist, for the contract test to name in a path instead of a random id.

A request for `/v1/refunds/{id}` with a random id stops at a 404; with the id of a refund
that exists it reaches the code that reads, updates or cancels it. `path_objects` makes,
for one operation's path, a fresh object of each path parameter's kind (a fresh one per
request, since a request may delete, cancel or capture it), through the official SDK.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import stripe

from tests.disputes.support import EARLY_FRAUD_WARNING, FRAUDULENT
from tests.radar.support import fresh_card

# The operations of the document beyond the customers' (which the contract test fuzzes more deeply).
OTHER_OPERATIONS = (
    "GET /v1/account",
    "POST /v1/account",
    "POST /v1/files",
    "GET /v1/files",
    "GET /v1/files/{id}",
    "GET /v1/customers/search",
    "POST /v1/payment_methods",
    "GET /v1/payment_methods",
    "GET /v1/payment_methods/{id}",
    "POST /v1/payment_methods/{id}",
    "POST /v1/payment_methods/{id}/attach",
    "POST /v1/payment_methods/{id}/detach",
    "GET /v1/customers/{id}/payment_methods/{payment_method}",
    "GET /v1/customers/{id}/payment_methods",
    "POST /v1/payment_intents",
    "GET /v1/payment_intents",
    "GET /v1/payment_intents/search",
    "GET /v1/charges/search",
    "GET /v1/payment_intents/{id}",
    "POST /v1/payment_intents/{id}",
    "POST /v1/payment_intents/{id}/confirm",
    "POST /v1/payment_intents/{id}/capture",
    "POST /v1/payment_intents/{id}/increment_authorization",
    "POST /v1/payment_intents/{id}/cancel",
    "GET /v1/charges/{id}",
    "POST /v1/charges/{id}",
    "GET /v1/charges",
    "POST /v1/charges",
    "POST /v1/charges/{id}/capture",
    "GET /v1/charges/{id}/refunds",
    "POST /v1/charges/{id}/refunds",
    "GET /v1/charges/{id}/refunds/{refund}",
    "POST /v1/refunds",
    "GET /v1/refunds",
    "GET /v1/refunds/{id}",
    "POST /v1/refunds/{id}",
    "POST /v1/refunds/{id}/cancel",
    "POST /v1/setup_intents",
    "GET /v1/setup_intents",
    "GET /v1/setup_intents/{id}",
    "POST /v1/setup_intents/{id}",
    "POST /v1/setup_intents/{id}/confirm",
    "POST /v1/setup_intents/{id}/cancel",
    "GET /v1/setup_attempts",
    "GET /v1/mandates/{id}",
    "GET /v1/events/{id}",
    "GET /v1/events",
    "GET /v1/listen/events",
    "GET /v1/balance",
    "GET /v1/balance_transactions/{id}",
    "GET /v1/balance/history/{id}",
    "GET /v1/balance/history",
    "GET /v1/balance_transactions",
    "POST /v1/webhook_endpoints",
    "GET /v1/webhook_endpoints",
    "GET /v1/webhook_endpoints/{id}",
    "POST /v1/webhook_endpoints/{id}",
    "DELETE /v1/webhook_endpoints/{id}",
    "POST /v1/webhook_endpoints/{id}/roll_secret",
    "GET /v1/webhook_endpoints/{id}/attempts",
    "POST /v1/events/{id}/resend",
    "POST /v1/products",
    "GET /v1/products",
    "GET /v1/products/search",
    "GET /v1/prices/search",
    "GET /v1/products/{id}",
    "POST /v1/products/{id}",
    "DELETE /v1/products/{id}",
    "POST /v1/prices",
    "GET /v1/prices",
    "GET /v1/prices/{id}",
    "POST /v1/prices/{id}",
    "POST /v1/lynk/processors",
    "GET /v1/lynk/processors",
    "GET /v1/lynk/processors/{id}",
    "POST /v1/lynk/processors/{id}",
    "DELETE /v1/lynk/processors/{id}",
    "POST /v1/checkout/sessions",
    "GET /v1/checkout/sessions",
    "GET /v1/checkout/sessions/{id}",
    "GET /v1/checkout/sessions/{id}/line_items",
    "POST /v1/checkout/sessions/{id}/expire",
    "GET /v1/disputes/{id}",
    "POST /v1/disputes/{id}",
    "POST /v1/disputes/{id}/close",
    "GET /v1/disputes",
    "GET /v1/radar/early_fraud_warnings/{id}",
    "GET /v1/radar/early_fraud_warnings",
    "POST /v1/radar/rules",
    "GET /v1/radar/rules",
    "POST /v1/radar/rules/test",
    "GET /v1/radar/rules/{id}",
    "DELETE /v1/radar/rules/{id}",
    "POST /v1/radar/value_lists",
    "GET /v1/radar/value_lists",
    "GET /v1/radar/value_lists/{id}",
    "POST /v1/radar/value_lists/{id}",
    "DELETE /v1/radar/value_lists/{id}",
    "POST /v1/radar/value_list_items",
    "GET /v1/radar/value_list_items",
    "GET /v1/radar/value_list_items/{id}",
    "DELETE /v1/radar/value_list_items/{id}",
    "GET /v1/reviews/{id}",
    "GET /v1/reviews",
    "POST /v1/reviews/{id}/approve",
    "POST /v1/test_helpers/test_clocks",
    "GET /v1/test_helpers/test_clocks",
    "GET /v1/test_helpers/test_clocks/{id}",
    "DELETE /v1/test_helpers/test_clocks/{id}",
    "POST /v1/test_helpers/test_clocks/{id}/advance",
    "POST /v1/link/consumers/lookup",
    "POST /v1/link/consumers",
    "POST /v1/link/consumer_sessions/start_verification",
    "POST /v1/link/consumer_sessions/confirm_verification",
    "POST /v1/link/consumer_sessions/log_out",
    "POST /v1/link/account",
    "POST /v1/link/account/export",
    "POST /v1/link/account/delete",
    "POST /v1/link/payment_details/list",
    "POST /v1/link/payment_details",
    "POST /v1/link/payment_details/{id}",
    "POST /v1/link/payment_details/{id}/remove",
    "POST /v1/link/shipping_addresses/list",
    "POST /v1/link/shipping_addresses",
    "POST /v1/link/shipping_addresses/{id}",
    "POST /v1/link/shipping_addresses/{id}/remove",
    "POST /v1/link/grants/list",
    "POST /v1/link/grants/{id}/revoke",
    "POST /v1/link/devices/list",
    "POST /v1/link/devices/{id}/log_out",
    "GET /v1/link/metrics",
    "GET /v1/test_helpers/link/messages",
)
ELEVATED_RISK = "4000000000009235"  # opens a review
_aliases = itertools.count(1)

Maker = Callable[[stripe.StripeClient], dict[str, str]]


def _new_card() -> str:
    """A card number no other payment used. Hypothesis seeds `random` alike in every test (so `fresh_card`
    alone repeats its numbers across tests): the digits come from uuid4, which it does not touch."""
    return fresh_card(prefix="4242" + str(uuid4().int)[:9])


def _pay(client: stripe.StripeClient, number: str | None = None, **extra: Any) -> stripe.PaymentIntent:
    """A card payment; by default with a card no other payment used, since a fuzzed request may report a card
    (a refund with `reason=fraudulent`) and Radar would then decline it everywhere."""
    number = number or _new_card()
    params: dict[str, Any] = {
        "amount": 2000,
        "currency": "usd",
        "payment_method_data": {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034}},
        "confirm": True,
        **extra,
    }
    return client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]


def _intent(client: stripe.StripeClient) -> dict[str, str]:
    """An authorized intent waiting for capture: capture, cancel, update and confirm all reach their rules."""
    return {"id": _pay(client, capture_method="manual").id}


def _incrementable(client: stripe.StripeClient) -> dict[str, str]:
    """An authorized intent whose authorization may be incremented: the increment reaches its rules."""
    options = {"card": {"request_incremental_authorization": "if_available"}}
    return {"id": _pay(client, capture_method="manual", payment_method_options=options).id}


def _charge(client: stripe.StripeClient) -> dict[str, str]:
    return {"id": str(_pay(client, capture_method="manual").latest_charge)}


def _refund(client: stripe.StripeClient) -> dict[str, str]:
    charge = str(_pay(client).latest_charge)
    refund = client.v1.refunds.create(params={"charge": charge, "amount": 500})
    return {"id": refund.id, "refund": refund.id}


def _charge_refund(client: stripe.StripeClient) -> dict[str, str]:
    charge = str(_pay(client).latest_charge)
    refund = client.v1.refunds.create(params={"charge": charge, "amount": 500})
    return {"id": charge, "refund": refund.id}


def _balance_transaction(client: stripe.StripeClient) -> dict[str, str]:
    charge = client.v1.charges.retrieve(str(_pay(client).latest_charge))
    return {"id": str(charge.balance_transaction)}


def _customer(client: stripe.StripeClient) -> dict[str, str]:
    return {"id": client.v1.customers.create(params={"name": "Contract"}).id}


def _card(client: stripe.StripeClient) -> stripe.PaymentMethod:
    card = {"number": _new_card(), "exp_month": 12, "exp_year": 2034}
    return client.v1.payment_methods.create(params={"type": "card", "card": card})  # type: ignore[typeddict-item]


def _payment_method(client: stripe.StripeClient) -> dict[str, str]:
    return {"id": _card(client).id}


def _customer_payment_method(client: stripe.StripeClient) -> dict[str, str]:
    customer = _customer(client)["id"]
    method = client.v1.payment_methods.attach(_card(client).id, params={"customer": customer})
    return {"id": customer, "payment_method": method.id}


def _setup_intent(client: stripe.StripeClient) -> dict[str, str]:
    return {"id": client.v1.setup_intents.create(params={"payment_method_types": ["card"]}).id}


def _event(client: stripe.StripeClient) -> dict[str, str]:
    _customer(client)
    return {"id": client.v1.events.list(params={"limit": 1}).data[0].id}


def _webhook_endpoint(client: stripe.StripeClient) -> dict[str, str]:
    params: dict[str, Any] = {"url": "https://shop.example/hooks", "enabled_events": ["*"]}
    return {"id": client.v1.webhook_endpoints.create(params=params).id}  # type: ignore[arg-type]


def _product(client: stripe.StripeClient) -> dict[str, str]:
    return {"id": client.v1.products.create(params={"name": "T-shirt"}).id}


def _price(client: stripe.StripeClient) -> dict[str, str]:
    params: dict[str, Any] = {"currency": "usd", "unit_amount": 1500, "product_data": {"name": "T-shirt"}}
    return {"id": client.v1.prices.create(params=params).id}  # type: ignore[arg-type]


def _checkout_session(client: stripe.StripeClient) -> dict[str, str]:
    item = {"price_data": {"currency": "usd", "unit_amount": 1500, "product_data": {"name": "T-shirt"}}, "quantity": 2}
    params: dict[str, Any] = {"mode": "payment", "line_items": [item], "success_url": "https://shop.example/done"}
    return {"id": client.v1.checkout.sessions.create(params=params).id}  # type: ignore[arg-type]


def _dispute(client: stripe.StripeClient) -> dict[str, str]:
    pi = _pay(client, FRAUDULENT)
    return {"id": client.v1.disputes.list(params={"payment_intent": pi.id}).data[0].id}


def _early_fraud_warning(client: stripe.StripeClient) -> dict[str, str]:
    pi = _pay(client, EARLY_FRAUD_WARNING)
    return {"id": client.v1.radar.early_fraud_warnings.list(params={"payment_intent": pi.id}).data[0].id}


def _review(client: stripe.StripeClient) -> dict[str, str]:
    pi = _pay(client, ELEVATED_RISK)
    return {"id": str(client.v1.payment_intents.retrieve(pi.id).review)}


def _rule(client: stripe.StripeClient) -> dict[str, str]:
    # The SDK has no radar rules (a Lynk extension): the raw request, as a merchant's own code would send it.
    answer = client.raw_request("post", "/v1/radar/rules", action="review", predicate=":amount_in_usd: > 100000")
    return {"id": str(json.loads(answer.body)["id"])}


def _value_list(client: stripe.StripeClient) -> stripe.radar.ValueList:
    alias = f"contract_{next(_aliases)}"
    return client.v1.radar.value_lists.create(params={"alias": alias, "name": "Contract", "item_type": "email"})


def _value_list_id(client: stripe.StripeClient) -> dict[str, str]:
    return {"id": _value_list(client).id}


def _value_list_item(client: stripe.StripeClient) -> dict[str, str]:
    params = {"value_list": _value_list(client).id, "value": "fraud@example.com"}
    return {"id": client.v1.radar.value_list_items.create(params=params).id}


def _test_clock(client: stripe.StripeClient, now: int) -> dict[str, str]:
    return {"id": client.v1.test_helpers.test_clocks.create(params={"frozen_time": now, "name": "Contract"}).id}


# A test card that disputes or alarms, paid again and again, trips Radar: one such object per merchant.
MADE_ONCE = (_dispute, _early_fraud_warning, _review)


def makers(now: Callable[[], int]) -> dict[str, Maker]:
    """For each path template with parameters, how to make objects that fill them."""
    return {
        "/v1/customers/{id}": _customer,
        "/v1/customers/{id}/payment_methods": _customer,
        "/v1/customers/{id}/payment_methods/{payment_method}": _customer_payment_method,
        "/v1/payment_methods/{id}": _payment_method,
        "/v1/payment_methods/{id}/attach": _payment_method,
        "/v1/payment_methods/{id}/detach": lambda c: {"id": _customer_payment_method(c)["payment_method"]},
        "/v1/payment_intents/{id}": _intent,
        "/v1/payment_intents/{id}/confirm": _intent,
        "/v1/payment_intents/{id}/capture": _intent,
        "/v1/payment_intents/{id}/increment_authorization": _incrementable,
        "/v1/payment_intents/{id}/cancel": _intent,
        "/v1/charges/{id}": _charge,
        "/v1/charges/{id}/capture": _charge,
        "/v1/charges/{id}/refunds": _charge,
        "/v1/charges/{id}/refunds/{refund}": _charge_refund,
        "/v1/refunds/{id}": _refund,
        "/v1/refunds/{id}/cancel": _refund,
        "/v1/setup_intents/{id}": _setup_intent,
        "/v1/setup_intents/{id}/confirm": _setup_intent,
        "/v1/setup_intents/{id}/cancel": _setup_intent,
        "/v1/events/{id}": _event,
        "/v1/events/{id}/resend": _event,
        "/v1/balance_transactions/{id}": _balance_transaction,
        "/v1/balance/history/{id}": _balance_transaction,
        "/v1/webhook_endpoints/{id}": _webhook_endpoint,
        "/v1/webhook_endpoints/{id}/roll_secret": _webhook_endpoint,
        "/v1/webhook_endpoints/{id}/attempts": _webhook_endpoint,
        "/v1/products/{id}": _product,
        "/v1/prices/{id}": _price,
        "/v1/checkout/sessions/{id}": _checkout_session,
        "/v1/checkout/sessions/{id}/line_items": _checkout_session,
        "/v1/checkout/sessions/{id}/expire": _checkout_session,
        "/v1/disputes/{id}": _dispute,
        "/v1/disputes/{id}/close": _dispute,
        "/v1/radar/early_fraud_warnings/{id}": _early_fraud_warning,
        "/v1/radar/rules/{id}": _rule,
        "/v1/radar/value_lists/{id}": _value_list_id,
        "/v1/radar/value_list_items/{id}": _value_list_item,
        "/v1/reviews/{id}": _review,
        "/v1/reviews/{id}/approve": _review,
        "/v1/test_helpers/test_clocks/{id}": lambda c: _test_clock(c, now()),
        "/v1/test_helpers/test_clocks/{id}/advance": lambda c: _test_clock(c, now()),
    }
