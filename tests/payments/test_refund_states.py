"""The Refund state machine: a succeeded or pending refund can fail, once; Stripe's failure reasons are
kept, a processor's own words become `unknown`."""

from __future__ import annotations

import pytest

from lynk.core.errors import InvalidRequestError
from lynk.models import Refund, RefundStatus
from lynk.payments import refund_states


def _refund(status: RefundStatus) -> Refund:
    return Refund(id="re_test", status=status, amount=100, currency="usd", failure_reason=None)


@pytest.mark.parametrize("start", [RefundStatus.SUCCEEDED, RefundStatus.PENDING])
def test_a_refund_fails_from_succeeded_or_pending(start: RefundStatus) -> None:
    refund = _refund(start)
    refund_states.failed(refund, "expired_or_canceled_card")
    assert (refund.status, refund.failure_reason) == (RefundStatus.FAILED, "expired_or_canceled_card")


def test_a_processors_own_words_are_unknown() -> None:
    refund = _refund(RefundStatus.SUCCEEDED)
    refund_states.failed(refund, "Refund failed: acquirer error 905")
    assert refund.failure_reason == "unknown"


@pytest.mark.parametrize("start", [RefundStatus.FAILED, RefundStatus.CANCELED])
def test_a_failed_or_canceled_refund_cannot_fail(start: RefundStatus) -> None:
    refund = _refund(start)
    assert not refund_states.can_fail(refund)
    with pytest.raises(InvalidRequestError):
        refund_states.failed(refund, "declined")
    assert refund.status == start
