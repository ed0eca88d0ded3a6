"""The charge record of one payment attempt: what the processor answered, as Stripe shows it."""

from __future__ import annotations

import uuid
from typing import Any

from lynk.connectors import AuthorizeResult, AuthorizeStatus, CardRef
from lynk.core import metrics
from lynk.core.ids import new_id
from lynk.link import service as link
from lynk.models import Charge, ChargeStatus, PaymentIntent, PaymentMethod
from lynk.payments import repository, risk
from lynk.payments.context import PaymentContext


def three_d_secure_details(result: str) -> dict[str, Any]:
    """`payment_method_details.card.three_d_secure` after a challenge (`authenticated` or `failed`)."""
    return {
        "authentication_flow": "challenge",
        "electronic_commerce_indicator": "05" if result == "authenticated" else None,
        "result": result,
        "result_reason": None if result == "authenticated" else "rejected",
        "transaction_id": str(uuid.uuid4()),
        "version": "2.2.0",
    }


async def build_charge(
    ctx: PaymentContext,
    pi: PaymentIntent,
    method: PaymentMethod,
    result: AuthorizeResult | None,
    assessment: risk.RiskAssessment,
    *,
    blocked: bool,
    mandate_id: str | None = None,
    ref: CardRef,
    authenticated: bool = False,
    charge_id: str | None = None,
    balance_transaction_id: str | None = None,
) -> Charge:
    """A charge for the attempt's outcome (under `charge_id` when the caller named it first), added to the session
    with its risk record. `balance_transaction_id`: the id a captured charge will be booked under
    (`booking.book_capture`'s `txn_id`), so it is inserted with it."""
    ok = result is not None and result.status in (AuthorizeStatus.AUTHORIZED, AuthorizeStatus.CAPTURED)
    captured = result is not None and result.status == AuthorizeStatus.CAPTURED
    card = dict(method.card or {})
    details_card = {
        key: card.get(key) for key in ("brand", "country", "exp_month", "exp_year", "fingerprint", "funding", "last4")
    }
    details_card["checks"] = {
        "address_line1_check": None,
        "address_postal_code_check": result.postal_code_check if result else None,
        "cvc_check": result.cvc_check if result else None,
    }
    three_d_secure = three_d_secure_details("authenticated") if authenticated else None
    incremental = "available" if ok and result is not None and result.incremental_authorization else "unavailable"
    details_card.update(
        {
            "incremental_authorization": {"status": incremental},
            "mandate": mandate_id,
            "network": card.get("brand"),
            "three_d_secure": three_d_secure,
            "wallet": None,
        }
    )
    details: dict[str, Any] = {"type": "card", "card": details_card, "billing_details": method.billing_details}
    if method.type == "link":  # the merchant learns the funding country, never the card
        details = await link.charge_details(ctx.session, ref.vault_card_id, method.billing_details)
    if blocked:
        outcome_type, network_status, reason = "blocked", "not_sent_to_network", assessment.reason
        seller_message = "Lynk blocked this payment as too risky."
    elif ok:
        outcome_type, network_status, reason = "authorized", "approved_by_network", None
        seller_message = "Payment complete."
    else:
        assert result is not None
        declined = (AuthorizeStatus.DECLINED, AuthorizeStatus.AUTHENTICATION_REQUIRED)
        outcome_type = "issuer_declined" if result.status in declined else "invalid"
        network_status, reason, seller_message = result.network_status, result.decline_code, result.message
    charge = Charge(
        id=charge_id or new_id("ch"),
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        metadata_=dict(pi.metadata_),
        payment_intent_id=pi.id,
        amount=pi.amount,
        amount_captured=pi.amount if captured else 0,
        amount_refunded=0,
        currency=pi.currency,
        status=ChargeStatus.SUCCEEDED if ok else ChargeStatus.FAILED,
        captured=captured,
        paid=ok,
        customer_id=pi.customer_id,
        payment_method_id=method.id,
        payment_method_details=details,
        outcome={
            "network_status": network_status,
            "reason": reason,
            "seller_message": seller_message,
            "type": outcome_type,
        }
        | risk.outcome_fields(assessment, ok=ok),
        failure_code=None,
        failure_message=None,
        balance_transaction_id=balance_transaction_id,
        connector_reference=result.reference if result else None,
        description=pi.description,
        receipt_email=pi.receipt_email,
        shipping=pi.shipping,
        statement_descriptor=pi.statement_descriptor,
        statement_descriptor_suffix=pi.statement_descriptor_suffix,
    )
    await repository.add(ctx.session, charge)
    await risk.record(ctx, pi, charge, assessment)
    metrics.payment(str(charge.outcome["type"]), method.type, ctx.scope.livemode)
    return charge
