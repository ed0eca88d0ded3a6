"""The Checkout Session state machine: `open` → `complete` (paid, authorized for later capture, or a card
saved in `mode=setup`)
or `open` → `expired` (by the clock or `POST …/expire`). Both ends are final."""

from __future__ import annotations

from lynk.checkout.errors import SessionNotOpen
from lynk.models import CheckoutPaymentStatus, CheckoutSession, CheckoutSessionStatus


def check_open(session: CheckoutSession, action: str) -> None:
    if session.status != CheckoutSessionStatus.OPEN:
        raise SessionNotOpen(session.id, session.status, action)


def completed(session: CheckoutSession, *, paid: bool | None, now: int) -> None:
    """`paid` None: nothing to pay (`mode=setup`)."""
    check_open(session, "completed")
    session.status = CheckoutSessionStatus.COMPLETE
    if paid is None:
        session.payment_status = CheckoutPaymentStatus.NO_PAYMENT_REQUIRED
    else:
        session.payment_status = CheckoutPaymentStatus.PAID if paid else CheckoutPaymentStatus.UNPAID
    session.completed_at = now


def expired(session: CheckoutSession) -> None:
    check_open(session, "expired")
    session.status = CheckoutSessionStatus.EXPIRED
