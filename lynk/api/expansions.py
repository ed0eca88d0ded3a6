"""Which fields `expand[]` can replace with objects, and how to load each: wired here, in one place,
so no domain imports another just to expand it."""

from __future__ import annotations

from typing import Any

from lynk.customers import service as customers
from lynk.customers.objects import customer_object
from lynk.disputes import service as disputes
from lynk.ledger import service as ledger
from lynk.ledger.schemas import balance_transaction_object
from lynk.payment_methods import service as payment_methods
from lynk.payment_methods.objects import payment_method_object
from lynk.payments import refunds
from lynk.payments import service as payments
from lynk.payments.charge_endpoints import charge_refunds
from lynk.payments.endpoints import payment_context
from lynk.payments.objects import charge_object, payment_intent_object, refund_object
from lynk.payments.setup_intents import mandates
from lynk.payments.setup_intents import service as setup_intents
from lynk.payments.setup_intents.objects import mandate_object, setup_attempt_object, setup_intent_object
from lynk.products import service as products
from lynk.products.endpoints import where
from lynk.products.objects import price_object, product_object
from lynk.radar import reviews
from lynk.radar import service as radar
from lynk.radar.objects import review_object
from lynk.test_clocks import service as test_clocks
from lynk.test_clocks.objects import test_clock_object
from lynk.wire.expand import Expander
from lynk.wire.routing import ApiCall


async def _customer(call: ApiCall, customer_id: str) -> dict[str, Any]:
    return customer_object(await customers.get(call.session, call.scope, customer_id))


async def _payment_method(call: ApiCall, payment_method_id: str) -> dict[str, Any]:
    return payment_method_object(await payment_methods.get(call.session, call.scope, payment_method_id))


async def _payment_intent(call: ApiCall, payment_intent_id: str) -> dict[str, Any]:
    return payment_intent_object(await payments.get(payment_context(call), payment_intent_id))


async def _charge(call: ApiCall, charge_id: str) -> dict[str, Any]:
    return charge_object(await payments.get_charge(payment_context(call), charge_id))


async def _source(call: ApiCall, source_id: str) -> dict[str, Any]:
    """A balance transaction's source: its charge, refund or dispute."""
    if source_id.startswith("re_"):
        return refund_object(await refunds.get(payment_context(call), source_id))
    if source_id.startswith("dp_"):
        dispute = await disputes.get(call.session, call.scope, source_id)
        return await disputes.render(call.session, dispute, now=call.now)
    return await _charge(call, source_id)


async def _setup_intent(call: ApiCall, setup_intent_id: str) -> dict[str, Any]:
    return setup_intent_object(await setup_intents.get(payment_context(call), setup_intent_id))


async def _setup_attempt(call: ApiCall, attempt_id: str) -> dict[str, Any]:
    return setup_attempt_object(await setup_intents.get_attempt(payment_context(call), attempt_id))


async def _mandate(call: ApiCall, mandate_id: str) -> dict[str, Any]:
    ctx = payment_context(call)
    mandate = await mandates.get(ctx, mandate_id)
    return mandate_object(mandate, await mandates.status_of(ctx, mandate), await mandates.method_type(ctx, mandate))


async def _balance_transaction(call: ApiCall, txn_id: str) -> dict[str, Any]:
    return balance_transaction_object(await ledger.get_balance_transaction(call.session, call.scope, txn_id))


async def _product(call: ApiCall, product_id: str) -> dict[str, Any]:
    return product_object(await products.get_product(where(call), product_id))


async def _price(call: ApiCall, price_id: str) -> dict[str, Any]:
    return price_object(await products.get_price(where(call), price_id))


async def _rule(call: ApiCall, rule_id: str) -> dict[str, Any]:
    return (await radar.get_rule(call.session, call.scope, rule_id)).object(call.scope.livemode)


async def _explanation(call: ApiCall, charge_id: str) -> list[dict[str, Any]]:
    await payments.get_charge(payment_context(call), charge_id)  # the merchant's own charge, or 404
    return await radar.explanation(call.session, call.scope, charge_id)


async def _review(call: ApiCall, review_id: str) -> dict[str, Any]:
    return review_object(await reviews.get(call.session, call.scope, review_id))


async def _test_clock(call: ApiCall, clock_id: str) -> dict[str, Any]:
    return test_clock_object(await test_clocks.get(call.session, call.scope, clock_id))


def register(expander: Expander[ApiCall]) -> None:
    expander.register("payment_method", "customer", _customer)
    expander.register("customer", "invoice_settings.default_payment_method", _payment_method)
    expander.register("payment_intent", "customer", _customer)
    expander.register("payment_intent", "payment_method", _payment_method)
    expander.register("payment_intent", "latest_charge", _charge)
    expander.register("charge", "customer", _customer)
    expander.register("charge", "payment_method", _payment_method)
    expander.register("charge", "payment_intent", _payment_intent)
    expander.register("charge", "balance_transaction", _balance_transaction)
    expander.register("balance_transaction", "source", _source)
    expander.register("refund", "charge", _charge)
    expander.register("refund", "payment_intent", _payment_intent)
    expander.register("refund", "balance_transaction", _balance_transaction)
    expander.register("refund", "failure_balance_transaction", _balance_transaction)
    expander.register("dispute", "charge", _charge)
    expander.register("dispute", "payment_intent", _payment_intent)
    expander.register("radar.early_fraud_warning", "charge", _charge)
    expander.register("radar.early_fraud_warning", "payment_intent", _payment_intent)
    expander.register("checkout.session", "payment_intent", _payment_intent)
    expander.register("checkout.session", "customer", _customer)
    expander.register("checkout.session", "setup_intent", _setup_intent)
    expander.register("setup_intent", "customer", _customer)
    expander.register("setup_intent", "payment_method", _payment_method)
    expander.register("setup_intent", "latest_attempt", _setup_attempt)
    expander.register("setup_intent", "mandate", _mandate)
    expander.register("setup_attempt", "customer", _customer)
    expander.register("setup_attempt", "payment_method", _payment_method)
    expander.register("setup_attempt", "setup_intent", _setup_intent)
    expander.register("mandate", "payment_method", _payment_method)
    expander.register("price", "product", _product)
    expander.register("charge", "refunds", charge_refunds, from_id=True)
    expander.register("charge", "outcome.rule", _rule)
    expander.register("charge", "outcome.explanation", _explanation, from_id=True)
    expander.register("charge", "review", _review)
    expander.register("payment_intent", "review", _review)
    expander.register("review", "charge", _charge)
    expander.register("review", "payment_intent", _payment_intent)
    expander.register("customer", "test_clock", _test_clock)
    expander.register("product", "default_price", _price)
    expander.register("item", "price", _price)
