"""The Refund state machine: one function per transition, each checking where it starts.

pending ──settles──▶ succeeded            (card refunds are created succeeded: they settle at once)
pending ──cancel──▶ canceled
succeeded / pending ──the processor reports it failed──▶ failed (with a `failure_reason`)

A failed refund is final: a second failure notice finds it failed and changes nothing.
"""

from __future__ import annotations

from lynk.core.errors import InvalidRequestError
from lynk.models import Refund
from lynk.models import RefundStatus as S

FAILABLE = (S.SUCCEEDED, S.PENDING)
# Stripe's `failure_reason` values; a processor's own words for anything else become `unknown`.
FAILURE_REASONS = frozenset(
    {
        "charge_for_pending_refund_disputed",
        "declined",
        "expired_or_canceled_card",
        "insufficient_funds",
        "lost_or_stolen_card",
        "merchant_request",
        "unknown",
    }
)


def can_fail(refund: Refund) -> bool:
    return refund.status in FAILABLE


def failed(refund: Refund, reason: str) -> None:
    """The processor could not give the money back after it accepted the refund."""
    if not can_fail(refund):
        raise InvalidRequestError(
            f"Refund {refund.id} cannot fail because it has a status of {refund.status}.", code="refund_not_failable"
        )
    refund.status = S.FAILED
    refund.failure_reason = reason if reason in FAILURE_REASONS else "unknown"
