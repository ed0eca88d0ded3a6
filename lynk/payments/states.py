"""The PaymentIntent state machine: one function per transition, each checking where it starts.

requires_payment_method ──(method given)──▶ requires_confirmation
requires_payment_method / requires_confirmation ──confirm──▶
    requires_action (3-D Secure) ──authenticated──▶ (authorize again)
                                 ──amount, currency or method changed──▶ requires_confirmation
    requires_capture (manual capture) ──capture──▶ processing (at the processor) ──▶ succeeded
    succeeded
    requires_payment_method (declined, with last_payment_error)
    processing (a card attempt at the processor) ──its answer──▶ where it started, then as above
    processing (a bank debit sent) ──bank settles──▶ succeeded
                                   ──bank returns it──▶ requires_payment_method (with last_payment_error)
requires_payment_method / requires_confirmation / requires_action / requires_capture ──cancel──▶ canceled
"""

from __future__ import annotations

from typing import Any

from lynk.models import PaymentIntent
from lynk.models import PaymentIntentStatus as S
from lynk.payments.errors import UnexpectedState
from lynk.payments.objects import payment_intent_object

CONFIRMABLE = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION)
CANCELABLE = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION, S.REQUIRES_CAPTURE)
UPDATABLE = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION)


def _require(pi: PaymentIntent, allowed: tuple[S, ...], action: str) -> None:
    if pi.status not in allowed:
        raise UnexpectedState(
            f"You cannot {action} this PaymentIntent because it has a status of {pi.status}. "
            f"{action.capitalize()} is only possible from: {', '.join(allowed)}.",
            payment_intent_object(pi),
        )


def check_confirmable(pi: PaymentIntent) -> None:
    _require(pi, CONFIRMABLE, "confirm")


def check_updatable(pi: PaymentIntent) -> None:
    _require(pi, UPDATABLE, "update")


def method_attached(pi: PaymentIntent, payment_method_id: str) -> None:
    pi.payment_method_id = payment_method_id
    if pi.status == S.REQUIRES_PAYMENT_METHOD:
        pi.status = S.REQUIRES_CONFIRMATION


def require_action(pi: PaymentIntent, next_action: dict[str, Any]) -> None:
    _require(pi, (*CONFIRMABLE, S.REQUIRES_ACTION), "start authentication for")
    pi.status = S.REQUIRES_ACTION
    pi.next_action = next_action
    pi.last_payment_error = None


def challenge_ended(pi: PaymentIntent) -> None:
    """What the shopper was asked to authenticate changed: that challenge is over, a new confirm asks again."""
    _require(pi, (S.REQUIRES_ACTION,), "end the authentication of")
    pi.status = S.REQUIRES_CONFIRMATION if pi.payment_method_id else S.REQUIRES_PAYMENT_METHOD
    pi.next_action = None


def check_authenticating(pi: PaymentIntent) -> None:
    _require(pi, (S.REQUIRES_ACTION,), "complete authentication for")


def authorized(pi: PaymentIntent, charge_id: str, reference: str, *, captured: bool, now: int) -> None:
    _require(pi, (*CONFIRMABLE, S.REQUIRES_ACTION), "authorize")
    pi.latest_charge_id = charge_id
    pi.authorized_reference = reference
    pi.authorized_at = now
    pi.next_action = None
    pi.last_payment_error = None
    if captured:
        pi.status = S.SUCCEEDED
        pi.amount_received = pi.amount
        pi.amount_capturable = 0
    else:
        pi.status = S.REQUIRES_CAPTURE
        pi.amount_capturable = pi.amount


def attempting(pi: PaymentIntent) -> None:
    """A card authorization or a capture is committed and goes to the processor: until its answer is in, the
    intent refuses another confirm, capture, update or cancel by its state, with no lock held over the network."""
    _require(pi, (*CONFIRMABLE, S.REQUIRES_ACTION, S.REQUIRES_CAPTURE), "send to the processor")
    pi.status = S.PROCESSING


def failed(pi: PaymentIntent, error: dict[str, Any], charge_id: str | None) -> None:
    _require(pi, (*CONFIRMABLE, S.REQUIRES_ACTION), "fail")
    pi.status = S.REQUIRES_PAYMENT_METHOD
    pi.last_payment_error = error
    pi.next_action = None
    if charge_id is not None:
        pi.latest_charge_id = charge_id


def check_capturable(pi: PaymentIntent) -> None:
    _require(pi, (S.REQUIRES_CAPTURE,), "capture")


def check_incrementable(pi: PaymentIntent) -> None:
    _require(pi, (S.REQUIRES_CAPTURE,), "increment")


def captured(pi: PaymentIntent, amount: int) -> None:
    _require(pi, (S.REQUIRES_CAPTURE,), "capture")
    pi.status = S.SUCCEEDED
    pi.amount_received = amount
    pi.amount_capturable = 0


def canceled(pi: PaymentIntent, reason: str | None, now: int) -> None:
    _require(pi, CANCELABLE, "cancel")
    pi.status = S.CANCELED
    pi.cancellation_reason = reason
    pi.canceled_at = now
    pi.amount_capturable = 0
    pi.next_action = None


def processing(pi: PaymentIntent, charge_id: str, now: int) -> None:
    """A bank debit was sent: the money is on its way, and only the bank's answer moves it on."""
    _require(pi, CONFIRMABLE, "start processing")
    pi.status = S.PROCESSING
    pi.latest_charge_id = charge_id
    pi.authorized_at = now
    pi.next_action = None
    pi.last_payment_error = None


def processing_succeeded(pi: PaymentIntent) -> None:
    _require(pi, (S.PROCESSING,), "settle")
    pi.status = S.SUCCEEDED
    pi.amount_received = pi.amount
    pi.amount_capturable = 0


def processing_failed(pi: PaymentIntent, error: dict[str, Any]) -> None:
    _require(pi, (S.PROCESSING,), "fail the debit of")
    pi.status = S.REQUIRES_PAYMENT_METHOD
    pi.last_payment_error = error
