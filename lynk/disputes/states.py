"""The dispute state machine: one function per transition, each checking where it starts.

chargeback: needs_response ──submit──▶ under_review ──▶ won | lost
            needs_response ──close (accept) / due_by passes──▶ lost
inquiry:    warning_needs_response ──submit──▶ warning_under_review ──▶ warning_closed
            warning_needs_response ──close / due_by passes──▶ warning_closed
"""

from __future__ import annotations

from lynk.disputes.errors import DisputeClosed
from lynk.models import Dispute
from lynk.models import DisputeStatus as S

RESPONDING = (S.NEEDS_RESPONSE, S.WARNING_NEEDS_RESPONSE)
REVIEWING = (S.UNDER_REVIEW, S.WARNING_UNDER_REVIEW)
CLOSED = (S.WON, S.LOST, S.WARNING_CLOSED)


def is_inquiry(dispute: Dispute) -> bool:
    return dispute.status.startswith("warning_")


def _require(dispute: Dispute, allowed: tuple[S, ...], action: str) -> None:
    if dispute.status not in allowed:
        raise DisputeClosed(dispute.id, dispute.status, action)


def check_open(dispute: Dispute, action: str) -> None:
    _require(dispute, RESPONDING, action)


def submitted(dispute: Dispute, resolves_at: int) -> None:
    _require(dispute, RESPONDING, "submit evidence for")
    dispute.status = S.WARNING_UNDER_REVIEW if is_inquiry(dispute) else S.UNDER_REVIEW
    dispute.submission_count += 1
    dispute.resolves_at = resolves_at


def won(dispute: Dispute, *, by_processor: bool = False) -> None:
    """Decided for the merchant; a merchant's own processor decides whenever it does (the evidence went
    to it, not to Lynk)."""
    _require(dispute, (*RESPONDING, *REVIEWING) if by_processor else REVIEWING, "win")
    dispute.status = S.WARNING_CLOSED if is_inquiry(dispute) else S.WON
    dispute.resolves_at = None


def lost(dispute: Dispute) -> None:
    """Accepted, expired or decided against the merchant."""
    _require(dispute, (*RESPONDING, *REVIEWING), "close")
    dispute.status = S.WARNING_CLOSED if is_inquiry(dispute) else S.LOST
    dispute.resolves_at = None


def undecided(dispute: Dispute) -> None:
    """Evidence without a test-mode verdict stays under review until someone decides."""
    _require(dispute, REVIEWING, "review")
    dispute.resolves_at = None
