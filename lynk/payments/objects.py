"""PaymentIntent and Charge objects as Stripe renders them (no HTTP here)."""

from __future__ import annotations

from typing import Any

from lynk.models import Charge, PaymentIntent, Refund
from lynk.payments.options import rendered as rendered_options
from lynk.processors.routing import split


def api_error(error: dict[str, Any] | None) -> dict[str, Any] | None:
    """`last_payment_error` and its kin: Stripe's spec makes every key but `type` optional (never null),
    so keys without a value (`param`, `decline_code`) are left out, as Stripe does."""
    return None if error is None else {key: value for key, value in error.items() if value is not None}


def payment_intent_object(pi: PaymentIntent) -> dict[str, Any]:
    return {
        "id": pi.id,
        "object": "payment_intent",
        "amount": pi.amount,
        "amount_capturable": pi.amount_capturable,
        "amount_details": {"tip": {}},
        "amount_received": pi.amount_received,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": pi.automatic_payment_methods,
        "canceled_at": pi.canceled_at,
        "cancellation_reason": pi.cancellation_reason,
        "capture_method": pi.capture_method,
        "client_secret": pi.client_secret,
        "confirmation_method": pi.confirmation_method,
        "created": pi.created,
        "currency": pi.currency,
        "customer": pi.customer_id,
        "description": pi.description,
        "last_payment_error": api_error(pi.last_payment_error),
        "latest_charge": pi.latest_charge_id,
        "livemode": pi.livemode,
        "metadata": dict(pi.metadata_),
        "next_action": pi.next_action,
        "on_behalf_of": None,
        "payment_method": pi.payment_method_id,
        "payment_method_options": rendered_options(pi, pi.payment_method_types),
        "payment_method_types": list(pi.payment_method_types),
        "processing": None,
        "receipt_email": pi.receipt_email,
        "review": pi.review_id,
        "setup_future_usage": pi.setup_future_usage,
        "shipping": pi.shipping,
        "statement_descriptor": pi.statement_descriptor,
        "statement_descriptor_suffix": pi.statement_descriptor_suffix,
        "status": pi.status,
        "transfer_data": None,
        "transfer_group": None,
    }


def processor_field(reference: str | None) -> dict[str, Any] | None:
    """Lynk's extension on a charge: which of the merchant's processors served it, and its reference
    there (`id` None: the built-in simulator or the operator's processor)."""
    if not reference:
        return None
    processor_id, own = split(reference)
    return {"id": processor_id, "reference": own}


def charge_object(charge: Charge) -> dict[str, Any]:
    return {
        "id": charge.id,
        "object": "charge",
        "amount": charge.amount,
        "amount_captured": charge.amount_captured,
        "amount_refunded": charge.amount_refunded,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": charge.balance_transaction_id,
        "billing_details": charge.payment_method_details.get("billing_details"),
        "calculated_statement_descriptor": charge.statement_descriptor,
        "captured": charge.captured,
        "created": charge.created,
        "currency": charge.currency,
        "customer": charge.customer_id,
        "description": charge.description,
        "disputed": charge.disputed,
        "failure_balance_transaction": None,
        "failure_code": charge.failure_code,
        "failure_message": charge.failure_message,
        "fraud_details": dict(charge.fraud_details or {}),
        "livemode": charge.livemode,
        "lynk_processor": processor_field(charge.connector_reference),
        "metadata": dict(charge.metadata_),
        "on_behalf_of": None,
        "outcome": charge.outcome,
        "paid": charge.paid,
        "payment_intent": charge.payment_intent_id,
        "payment_method": charge.payment_method_id,
        "payment_method_details": {
            key: value for key, value in charge.payment_method_details.items() if key != "billing_details"
        },
        "receipt_email": charge.receipt_email,
        "receipt_url": None,
        "refunded": charge.amount_refunded == charge.amount_captured and charge.amount_captured > 0,
        "review": charge.review_id,
        "shipping": charge.shipping,
        "statement_descriptor": charge.statement_descriptor,
        "statement_descriptor_suffix": charge.statement_descriptor_suffix,
        "status": charge.status,
        "transfer_data": None,
        "transfer_group": None,
    }


def refund_object(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "object": "refund",
        "amount": refund.amount,
        "balance_transaction": refund.balance_transaction_id,
        "charge": refund.charge_id,
        "created": refund.created,
        "currency": refund.currency,
        "destination_details": {"type": "card", "card": {"type": "refund", "reference_status": "pending"}},
        **({"failure_reason": refund.failure_reason} if refund.failure_reason else {}),  # only once failed
        **(
            {"failure_balance_transaction": refund.failure_balance_transaction_id}
            if refund.failure_balance_transaction_id
            else {}
        ),
        "metadata": dict(refund.metadata_),
        "payment_intent": refund.payment_intent_id,
        "reason": refund.reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": refund.status,
        "transfer_reversal": None,
    }
