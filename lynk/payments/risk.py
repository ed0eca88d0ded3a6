"""The risk stage of the confirm pipeline: Radar's decision for a card attempt, and its record.

`assess(ctx, pi, method, card)` is called before the processor with what the payment knows (card,
shopper, amount) and returns the decision: its `action` (allow, block, review), `request_credentials`
(3-D Secure first), the score and level. `record(ctx, charge, assessment)` is called once the charge
exists: it feeds the velocity windows and opens a review when a review rule matched and the payment went
through. The logic lives in `lynk.radar`; this module only translates a payment into its facts.
"""

from __future__ import annotations

import time
from typing import Any

from lynk.connectors import CardRef
from lynk.core.metrics import RISK_STAGE_DURATION
from lynk.link import service as link_service
from lynk.link.service import LinkPayment, LinkRisk
from lynk.models import Charge, PaymentIntent, PaymentMethod
from lynk.payments.context import PaymentContext
from lynk.radar import reviews
from lynk.radar import service as radar
from lynk.radar.assessment import TEST_CARDS
from lynk.radar.assessment import Decision as RiskAssessment
from lynk.radar.scoring import HIGHEST
from lynk.radar.signals import PaymentFacts, shopper_ip
from lynk.vault import service as vault
from lynk.vault.sandbox_cards import is_shared_test_card

__all__ = ["RiskAssessment", "assess", "blocks_setup", "outcome_fields", "record"]

# The histogram's series, looked up once rather than by label on every payment.
_ASSESS_SECONDS = RISK_STAGE_DURATION.labels("assess")
_RECORD_SECONDS = RISK_STAGE_DURATION.labels("record")
_TOTAL_SECONDS = RISK_STAGE_DURATION.labels("total")


async def assess(
    ctx: PaymentContext,
    pi: PaymentIntent,
    method: PaymentMethod,
    card: CardRef,
    *,
    publishable: bool,
    link_payment: LinkPayment | None = None,
) -> RiskAssessment:
    """`link_payment`: the shopper's verified Link session paying (its device, and whether it is new)."""
    began = time.perf_counter()
    decision = await _assess(ctx, pi, method, card, publishable=publishable, link_payment=link_payment)
    spent = time.perf_counter() - began
    _ASSESS_SECONDS.observe(spent)
    ctx.risk_seconds += spent
    return decision


async def _assess(
    ctx: PaymentContext,
    pi: PaymentIntent,
    method: PaymentMethod,
    card: CardRef,
    *,
    publishable: bool,
    link_payment: LinkPayment | None,
) -> RiskAssessment:
    link: LinkRisk | None = None
    if method.type == "link":  # its account, device, and whether its session or card is new (link.service)
        link = await link_service.risk_facts(ctx.session, ctx.scope, ctx.now, method.id, link_payment)
    shown = method.card or {}  # a card method shows its facts; a Link method's card is the network's secret
    fingerprint = shown.get("fingerprint") or await vault.card_fingerprint(ctx.session, card.vault_card_id)
    facts = None if shown else await vault.card_facts(ctx.session, card.vault_card_id)
    billing = method.billing_details or {}
    client = ctx.client if publishable else None  # a server-side confirm's address is the merchant's, not the shopper's
    payment = PaymentFacts(
        payment_intent_id=pi.id,
        amount=pi.amount,
        currency=pi.currency,
        fingerprint=fingerprint or card.vault_card_id,
        bin=card.bin,
        last4=card.last4,
        brand=card.brand,
        funding=facts.funding if facts else shown.get("funding"),
        card_country=facts.country if facts else shown.get("country"),
        email=(billing.get("email") or pi.receipt_email or None),
        ip_address=shopper_ip(client.ip_address) if client else None,
        customer_id=pi.customer_id,
        description=pi.description,
        link=method.type == "link",
        # A Link payment's session browser; else the browser binding a card payment from Lynk's page or
        # element carried, so distinct cards per device count whichever way they were paid.
        device=link.device if link else link_service.device_of(client.browser if client else None),
        link_account=link.account_id if link else None,
        new_device_on_link=link.new_device if link else False,
        new_card_on_link=link.new_card if link else False,
        shared_test_card=not ctx.scope.livemode and is_shared_test_card(card.bin, card.last4),
    )
    return await radar.assess(ctx.session, ctx.scope, payment, now=ctx.now, limits=ctx.radar_limits)


def blocks_setup(card: CardRef) -> bool:
    """Saving a card for later (a SetupIntent) moves no money: only Stripe's highest-risk test cards are refused."""
    known = TEST_CARDS.get((card.bin, card.last4))
    return known is not None and known[0] >= HIGHEST


def outcome_fields(assessment: RiskAssessment, *, ok: bool) -> dict[str, Any]:
    """`outcome.risk_*`, `rule` and, for a payment sent to review, its `type` and `reason`."""
    fields: dict[str, Any] = {
        "risk_level": assessment.level,
        "risk_score": assessment.score,
        "rule": assessment.rule.id if assessment.rule is not None else None,
    }
    if ok and assessment.action == "review":
        fields |= {
            "type": "manual_review",
            "reason": assessment.reason,
            "seller_message": "Lynk evaluated this payment as having elevated risk, and placed it in your "
            "manual review queue.",
        }
    return fields


async def record(ctx: PaymentContext, pi: PaymentIntent, charge: Charge, assessment: RiskAssessment) -> None:
    """Feed the windows with this attempt, and open its review if it is one."""
    # The attempt's row is flushed at once (the stage's own statements read the windows outside the ORM):
    # what the payment left pending (its charge, its intent) goes first, so the stage's time is its own.
    await ctx.session.flush()
    began = time.perf_counter()
    await _record(ctx, pi, charge, assessment)
    spent = time.perf_counter() - began
    _RECORD_SECONDS.observe(spent)
    _TOTAL_SECONDS.observe(ctx.risk_seconds + spent)
    ctx.risk_seconds = 0.0


async def _record(ctx: PaymentContext, pi: PaymentIntent, charge: Charge, assessment: RiskAssessment) -> None:
    result = "authorized" if charge.paid else "blocked" if charge.outcome.get("type") == "blocked" else "declined"
    await radar.record_attempt(
        ctx.session,
        ctx.scope,
        charge.id,
        charge.payment_intent_id,
        assessment,
        result=result,
        now=ctx.now,
        redis_url=ctx.radar_limits.redis_url,
    )
    if charge.paid and assessment.action == "review":
        review = await reviews.open_review(ctx.session, ctx.scope, charge.id, pi.id, assessment, now=ctx.now)
        charge.review_id = pi.review_id = review.id
