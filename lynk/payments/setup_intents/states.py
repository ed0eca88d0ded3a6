"""The SetupIntent state machine: one function per transition, each checking where it starts.

requires_payment_method ──(method given)──▶ requires_confirmation
requires_payment_method / requires_confirmation ──confirm──▶
    requires_action (3-D Secure) ──authenticated──▶ (verify again)
    processing (asynchronous methods) ──▶ succeeded / requires_payment_method
    succeeded
    requires_payment_method (verification failed, with last_setup_error)
requires_payment_method / requires_confirmation / requires_action ──cancel──▶ canceled
"""

from __future__ import annotations

from typing import Any

from lynk.models import SetupIntent
from lynk.models import SetupIntentStatus as S
from lynk.payments.setup_intents.errors import SetupIntentUnexpectedState
from lynk.payments.setup_intents.objects import setup_intent_object

CONFIRMABLE = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION)
CANCELABLE = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION)
UPDATABLE = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION)
IN_FLIGHT = (*CONFIRMABLE, S.REQUIRES_ACTION, S.PROCESSING)


def _require(si: SetupIntent, allowed: tuple[S, ...], action: str) -> None:
    if si.status not in allowed:
        raise SetupIntentUnexpectedState(
            f"You cannot {action} this SetupIntent because it has a status of {si.status}. "
            f"{action.capitalize()} is only possible from: {', '.join(allowed)}.",
            setup_intent_object(si),
        )


def check_confirmable(si: SetupIntent) -> None:
    _require(si, CONFIRMABLE, "confirm")


def check_updatable(si: SetupIntent) -> None:
    _require(si, UPDATABLE, "update")


def check_authenticating(si: SetupIntent) -> None:
    _require(si, (S.REQUIRES_ACTION,), "complete authentication for")


def method_attached(si: SetupIntent, payment_method_id: str) -> None:
    _require(si, UPDATABLE, "set a payment method on")
    si.payment_method_id = payment_method_id
    if si.status == S.REQUIRES_PAYMENT_METHOD:
        si.status = S.REQUIRES_CONFIRMATION


def require_action(si: SetupIntent, next_action: dict[str, Any]) -> None:
    _require(si, (*CONFIRMABLE, S.REQUIRES_ACTION), "start authentication for")
    si.status = S.REQUIRES_ACTION
    si.next_action = next_action
    si.last_setup_error = None


def attempting(si: SetupIntent) -> None:
    """A verification is committed and goes to the processor: until its answer is in, the SetupIntent refuses
    another confirm, update or cancel by its state, with no lock held over the network (`payments.attempts`)."""
    _require(si, (*CONFIRMABLE, S.REQUIRES_ACTION), "send to the processor")
    si.status = S.PROCESSING


def processing(si: SetupIntent) -> None:
    _require(si, (*CONFIRMABLE, S.REQUIRES_ACTION), "process")
    si.status = S.PROCESSING
    si.next_action = None
    si.last_setup_error = None


def succeeded(si: SetupIntent, mandate_id: str | None) -> None:
    _require(si, IN_FLIGHT, "complete")
    si.status = S.SUCCEEDED
    si.mandate_id = mandate_id
    si.next_action = None
    si.last_setup_error = None


def failed(si: SetupIntent, error: dict[str, Any]) -> None:
    """The method could not be set up: back to `requires_payment_method`, as Stripe does, without it."""
    _require(si, IN_FLIGHT, "fail")
    si.status = S.REQUIRES_PAYMENT_METHOD
    si.last_setup_error = error
    si.next_action = None
    si.payment_method_id = None


def canceled(si: SetupIntent, reason: str | None) -> None:
    _require(si, CANCELABLE, "cancel")
    si.status = S.CANCELED
    si.cancellation_reason = reason
    si.next_action = None
