"""What happens after a test card's charge succeeds: Stripe's dispute and early-fraud-warning cards.

`4000000000000259` (fraudulent) and `4000000000002685` (product not received) open a chargeback
right after the charge, `4000000000001976` an inquiry, and `4000000000005423` an early fraud
warning. Cards are recognised by (BIN, last four), as the simulator does; test mode only, and only for
charges the simulator served: a merchant's own processor tells of its disputes itself (its webhooks,
`payments/processor_hooks.py`, open them through `open_dispute_on`).
"""

from __future__ import annotations

from lynk.connectors import CardRef
from lynk.disputes import service as disputes
from lynk.models import Charge
from lynk.payment_methods import service as payment_methods
from lynk.payments.context import PaymentContext
from lynk.processors.routing import split
from lynk.radar import reviews
from lynk.radar import service as radar
from lynk.vault import service as vault

# (bin, last4) → (reason, is an inquiry)
DISPUTE_CARDS: dict[tuple[str, str], tuple[str, bool]] = {
    ("400000", "0259"): ("fraudulent", False),
    ("400000", "2685"): ("product_not_received", False),
    ("400000", "1976"): ("fraudulent", True),
}
EARLY_FRAUD_WARNING_CARDS = {("400000", "5423")}


async def _card_key(ctx: PaymentContext, charge: Charge, card: CardRef | None) -> tuple[str, str] | None:
    if card is not None:
        return card.bin, card.last4
    method = await payment_methods.get(ctx.session, ctx.scope, charge.payment_method_id)
    facts = await vault.card_facts(ctx.session, method.vault_card_id or "")
    return None if facts is None else (facts.bin, facts.last4)


async def after_capture(ctx: PaymentContext, charge: Charge, card: CardRef | None = None) -> None:
    """Open the dispute or early fraud warning a test card calls for, once its charge is captured."""
    if ctx.scope.livemode or split(charge.connector_reference or "")[0] is not None:
        return
    key = await _card_key(ctx, charge, card)
    if key in DISPUTE_CARDS:
        reason, inquiry = DISPUTE_CARDS[key]
        await open_dispute_on(ctx, charge, reason=reason, inquiry=inquiry)
    if key in EARLY_FRAUD_WARNING_CARDS:
        await radar.create(
            ctx.session, ctx.scope, charge_id=charge.id, payment_intent_id=charge.payment_intent_id, now=ctx.now
        )


async def open_dispute_on(ctx: PaymentContext, charge: Charge, *, reason: str, inquiry: bool) -> None:
    """Open a chargeback (or an inquiry) on a captured charge, once: the charge is marked disputed."""
    charge.disputed = True
    disputed = disputes.DisputedCharge(
        charge_id=charge.id,
        payment_intent_id=charge.payment_intent_id,
        customer_id=charge.customer_id,
        amount=charge.amount_captured,
        currency=charge.currency,
        brand=(charge.payment_method_details.get("card") or {}).get("brand"),
    )
    await disputes.open_dispute(
        ctx.session,
        ctx.scope,
        disputed,
        reason=reason,
        inquiry=inquiry,
        fee=ctx.fees.dispute_fee,
        evidence_seconds=ctx.dispute_evidence_seconds,
        now=ctx.now,
    )
    if reason == "fraudulent":
        await radar.report_fraud(ctx.session, charge.id, "dispute")
    await reviews.close_for_charge(ctx.session, ctx.scope, charge.id, "disputed", now=ctx.now)
