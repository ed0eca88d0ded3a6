"""Dispute use cases: open (from a test card's charge), read, respond with evidence, accept, and the
clock-driven jobs that decide submitted disputes and close those left past their deadline.

A chargeback withdraws the disputed amount plus the dispute fee from the merchant's balance when it
opens (`charge.dispute.funds_withdrawn`); winning reinstates both (`charge.dispute.funds_reinstated`).
An inquiry (`warning_…` statuses) moves no money. As in Stripe's test mode, submitted evidence whose
`uncategorized_text` is `winning_evidence` wins and `losing_evidence` loses, once the review delay
(Settings `dispute_review_seconds`) has passed and the job runs; other evidence stays under review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.metadata import MetadataUpdate
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.disputes import repository, states
from lynk.disputes.errors import DisputeNotFound
from lynk.disputes.objects import EVIDENCE_FILE_FIELDS, dispute_object
from lynk.events import service as events
from lynk.files import service as files
from lynk.ledger import service as ledger
from lynk.models import Dispute, DisputeStatus

WINNING_EVIDENCE = "winning_evidence"
LOSING_EVIDENCE = "losing_evidence"
# Visa's reason codes, as Stripe's test disputes carry them.
_NETWORK_REASON_CODES = {"fraudulent": "10.4", "product_not_received": "13.1", "general": "13.7"}


@dataclass(frozen=True)
class DisputedCharge:
    """What a dispute needs to know of the charge it takes back."""

    charge_id: str
    payment_intent_id: str | None
    customer_id: str | None
    amount: int
    currency: str
    brand: str | None


async def render(session: AsyncSession, dispute: Dispute, *, now: int) -> dict[str, Any]:
    scope = Scope(dispute.merchant_id, dispute.livemode)
    transactions = [await ledger.get_balance_transaction(session, scope, t) for t in dispute.balance_transaction_ids]
    return dispute_object(dispute, transactions, now=now)


async def _record(session: AsyncSession, dispute: Dispute, type_: str, *, now: int, previous: Any = None) -> None:
    await session.flush()
    scope = Scope(dispute.merchant_id, dispute.livemode)
    await events.record(session, scope, type_, await render(session, dispute, now=now), now=now, previous=previous)


async def open_dispute(
    session: AsyncSession,
    scope: Scope,
    charge: DisputedCharge,
    *,
    reason: str,
    inquiry: bool,
    fee: int,
    evidence_seconds: int,
    now: int,
) -> Dispute:
    """Open a chargeback (funds withdrawn at once) or an inquiry (no money moves) on a charge."""
    dispute = Dispute(
        id=new_id("dp"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_={},
        charge_id=charge.charge_id,
        payment_intent_id=charge.payment_intent_id,
        customer_id=charge.customer_id,
        amount=charge.amount,
        currency=charge.currency,
        reason=reason,
        status=DisputeStatus.WARNING_NEEDS_RESPONSE if inquiry else DisputeStatus.NEEDS_RESPONSE,
        evidence={},
        submission_count=0,
        due_by=now + evidence_seconds,
        resolves_at=None,
        network_reason_code=_NETWORK_REASON_CODES.get(reason),
        payment_method_details={
            "type": "card",
            "card": {
                "brand": charge.brand,
                "case_type": "inquiry" if inquiry else "chargeback",
                "network_reason_code": _NETWORK_REASON_CODES.get(reason),
            },
        },
        balance_transaction_ids=[],
    )
    await repository.add(session, dispute)
    if not inquiry:
        txn = await ledger.post_dispute(
            session,
            scope,
            dispute_id=dispute.id,
            amount=charge.amount,
            fee=fee,
            currency=charge.currency,
            now=now,
            description=f"Chargeback withdrawal for {charge.charge_id}",
        )
        dispute.balance_transaction_ids = [txn.id]
    await _record(session, dispute, "charge.dispute.created", now=now)
    if not inquiry:
        await _record(session, dispute, "charge.dispute.funds_withdrawn", now=now)
    return dispute


async def get(session: AsyncSession, scope: Scope, dispute_id: str, *, for_update: bool = False) -> Dispute:
    found = await repository.get(session, scope, dispute_id, for_update=for_update)
    if found is None:
        raise DisputeNotFound(dispute_id)
    return found


async def list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, charge_id: str | None, payment_intent_id: str | None
) -> Page[Dispute]:
    return await repository.list_page(session, scope, page, charge_id=charge_id, payment_intent_id=payment_intent_id)


async def update(
    session: AsyncSession,
    scope: Scope,
    dispute_id: str,
    *,
    evidence: dict[str, str | None] | None,
    metadata: MetadataUpdate | None,
    submit: bool | None,
    review_seconds: int,
    now: int,
) -> Dispute:
    """Stage or submit evidence (`submit` defaults to true when evidence is sent), and set metadata."""
    dispute = await get(session, scope, dispute_id, for_update=True)
    before = await render(session, dispute, now=now)
    if evidence is not None:
        states.check_open(dispute, "update the evidence of")
        for name in EVIDENCE_FILE_FIELDS:  # a file field names one of the merchant's evidence uploads
            if evidence.get(name):
                await files.evidence_file(session, scope, str(evidence[name]), param=f"evidence[{name}]")
        merged = {**dispute.evidence, **evidence}
        dispute.evidence = {key: value for key, value in merged.items() if value}
    if metadata is not None:
        dispute.metadata_ = metadata.apply(dispute.metadata_)
    if submit or (submit is None and evidence is not None):
        states.submitted(dispute, now + review_seconds)
    await session.flush()
    after = await render(session, dispute, now=now)
    previous = events.previous_attributes(before, after)
    if previous:
        await events.record(session, scope, "charge.dispute.updated", after, now=now, previous=previous)
    return dispute


async def close(session: AsyncSession, scope: Scope, dispute_id: str, *, now: int) -> Dispute:
    """Accept the dispute: a chargeback is lost (its funds stay withdrawn), an inquiry closes."""
    dispute = await get(session, scope, dispute_id, for_update=True)
    states.check_open(dispute, "close")
    states.lost(dispute)
    await _record(session, dispute, "charge.dispute.closed", now=now)
    return dispute


async def charge_refundable(session: AsyncSession, scope: Scope, charge_id: str) -> bool:
    """A charge under a chargeback can't be refunded (the money is already going back); an inquiry's can."""
    return all(d.status.startswith("warning_") for d in await repository.for_charge(session, scope, charge_id))


async def decided_by_processor(session: AsyncSession, scope: Scope, charge_id: str, *, won: bool, now: int) -> bool:
    """The merchant's processor closed the dispute on this charge (its `charge.dispute.closed`): won
    reinstates the funds, lost keeps them withdrawn, as the simulator's verdicts do. False if no open
    dispute is on the charge (already closed: a redelivery)."""
    open_ = []
    for found in await repository.for_charge(session, scope, charge_id):
        dispute = await get(session, scope, found.id, for_update=True)  # a concurrent redelivery waits here
        if dispute.status not in states.CLOSED:
            open_.append(dispute)
    for dispute in open_:
        if won:
            await _win(session, dispute, now=now, by_processor=True)
        else:
            states.lost(dispute)
            await _record(session, dispute, "charge.dispute.closed", now=now)
    await session.flush()
    return bool(open_)


async def _win(session: AsyncSession, dispute: Dispute, *, now: int, by_processor: bool = False) -> None:
    states.won(dispute, by_processor=by_processor)
    if dispute.status == DisputeStatus.WON and dispute.balance_transaction_ids:
        scope = Scope(dispute.merchant_id, dispute.livemode)
        withdrawal = await ledger.get_balance_transaction(session, scope, dispute.balance_transaction_ids[0])
        txn = await ledger.post_dispute_reversal(
            session,
            scope,
            dispute_id=dispute.id,
            amount=dispute.amount,
            fee_returned=withdrawal.fee,
            currency=dispute.currency,
            now=now,
            description=f"Chargeback reversal for {dispute.charge_id}",
        )
        dispute.balance_transaction_ids = [*dispute.balance_transaction_ids, txn.id]
        await _record(session, dispute, "charge.dispute.funds_reinstated", now=now)
    await _record(session, dispute, "charge.dispute.closed", now=now)


async def resolve_reviewed(
    session: AsyncSession, *, now: int, limit: int = 200, customer_ids: Sequence[str] | None = None
) -> int:
    """Decide submitted test-mode disputes by their `uncategorized_text` (all merchants', or those of
    `customer_ids`). Returns how many were decided."""
    decided = 0
    for dispute in await repository.reviewed(session, now, limit=limit, customer_ids=customer_ids):
        text = (dispute.evidence.get("uncategorized_text") or "").strip()
        if not dispute.livemode and text == WINNING_EVIDENCE:
            await _win(session, dispute, now=now)
        elif not dispute.livemode and text == LOSING_EVIDENCE:
            states.lost(dispute)
            await _record(session, dispute, "charge.dispute.closed", now=now)
        else:
            states.undecided(dispute)
            continue
        decided += 1
    await session.flush()
    return decided


async def expire_past_due(
    session: AsyncSession, *, now: int, limit: int = 200, customer_ids: Sequence[str] | None = None
) -> int:
    """Close disputes nobody answered by `due_by`: a chargeback is lost, an inquiry closes."""
    expired = await repository.past_due(session, now, limit=limit, customer_ids=customer_ids)
    for dispute in expired:
        states.lost(dispute)
        await _record(session, dispute, "charge.dispute.closed", now=now)
    await session.flush()
    return len(expired)
