"""What each of Stripe's test cards answers at the simulator: the card table and the authorization decision.

Cards are recognised by (BIN, last four), which is unique across the test-card table
(see docs: test cards). Any other card is approved. Fraud and risk cards are approved
here: risk is a separate stage of the pipeline, before the connector is called.
A card whose expiry month has passed (by the clock the simulator is given) is declined `expired_card`.
The simulator (simulator.py) keeps what was decided; this module only decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from lynk.connectors.protocol import AuthorizeRequest, AuthorizeResult, AuthorizeStatus, CheckResult

ThreeDS = Literal["none", "always", "on_session", "on_session_or_not_setup"]


@dataclass(frozen=True)
class _Behaviour:
    decline: tuple[AuthorizeStatus, str, str] | None = None  # (status, code, decline_code) on every attempt
    declines_charges: bool = False  # every charge (amount > 0) is declined; setup succeeds
    cvc_fails: bool = False  # a given CVC fails the check and the charge is declined
    postal_fails: bool = False
    three_ds: ThreeDS = "none"
    decline_after_authentication: str | None = None  # decline_code once 3-D Secure is done


_DECLINED = AuthorizeStatus.DECLINED

# Stripe's test cards that do something other than succeed, by (bin, last4): a connector never
# sees a card number, and (bin, last4) is unique across Stripe's test-card table.
_CARDS: dict[tuple[str, str], _Behaviour] = {
    ("400000", "0002"): _Behaviour(decline=(_DECLINED, "card_declined", "generic_decline")),
    ("400000", "9995"): _Behaviour(decline=(_DECLINED, "card_declined", "insufficient_funds")),
    ("400000", "9987"): _Behaviour(decline=(_DECLINED, "card_declined", "lost_card")),
    ("400000", "9979"): _Behaviour(decline=(_DECLINED, "card_declined", "stolen_card")),
    ("400000", "0069"): _Behaviour(decline=(_DECLINED, "expired_card", "expired_card")),
    ("400000", "0127"): _Behaviour(decline=(_DECLINED, "incorrect_cvc", "incorrect_cvc"), cvc_fails=True),
    ("400000", "0119"): _Behaviour(decline=(AuthorizeStatus.ERROR, "processing_error", "processing_error")),
    ("424242", "4241"): _Behaviour(decline=(_DECLINED, "incorrect_number", "incorrect_number")),
    ("400000", "6975"): _Behaviour(decline=(_DECLINED, "card_declined", "card_velocity_exceeded")),
    ("400000", "0341"): _Behaviour(declines_charges=True),
    ("400000", "0101"): _Behaviour(cvc_fails=True),
    ("400000", "0036"): _Behaviour(postal_fails=True),
    ("400000", "3155"): _Behaviour(three_ds="on_session_or_not_setup"),
    ("400000", "3184"): _Behaviour(three_ds="always"),
    ("400000", "0446"): _Behaviour(three_ds="on_session"),
    ("400000", "1629"): _Behaviour(three_ds="always", decline_after_authentication="generic_decline"),
    ("400000", "3178"): _Behaviour(three_ds="always", decline_after_authentication="insufficient_funds"),
    ("400000", "3220"): _Behaviour(three_ds="always"),
}
_NORMAL = _Behaviour()

DECLINE_MESSAGES: dict[str, str] = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card was declined.",
    "stolen_card": "Your card was declined.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "incorrect_number": "Your card number is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
    "card_velocity_exceeded": "Your card was declined for making repeated attempts too frequently "
    "or exceeding its amount limit.",
    "authentication_required": "Your card was declined. This transaction requires authentication.",
}


def _needs_authentication(policy: ThreeDS, request: AuthorizeRequest) -> bool:
    if policy == "always":
        return True
    if policy == "on_session":
        return not request.off_session
    if policy == "on_session_or_not_setup":
        return not (request.off_session and request.previously_setup)
    return False


def _expired(request: AuthorizeRequest, now: float) -> bool:
    today = datetime.fromtimestamp(now, UTC)
    return (request.card.exp_year, request.card.exp_month) < (today.year, today.month)


def decide(request: AuthorizeRequest, reference: str, now: float) -> AuthorizeResult:
    """The answer to an authorization with the card of `request` at the time `now` (a Unix timestamp)."""
    card = _CARDS.get((request.card.bin, request.card.last4), _NORMAL)
    cvc_check: CheckResult | None = None
    if request.cvc_provided:
        cvc_check = "fail" if card.cvc_fails else "pass"
    postal_check: CheckResult | None = None
    if request.postal_code is not None:
        postal_check = "fail" if card.postal_fails else "pass"

    def declined(code: str, decline_code: str, status: AuthorizeStatus = _DECLINED) -> AuthorizeResult:
        sent = status is not AuthorizeStatus.ERROR
        return AuthorizeResult(
            status=status,
            reference=reference,
            network_status="declined_by_network" if sent else "not_sent_to_network",
            message=DECLINE_MESSAGES[decline_code],
            code=code,
            decline_code=decline_code,
            cvc_check=cvc_check if sent else None,
            postal_code_check=postal_check if sent else None,
        )

    if _expired(request, now):
        return declined("expired_card", "expired_card")
    if card.decline is not None:
        status, code, decline_code = card.decline
        return declined(code, decline_code, status)
    if card.declines_charges and request.amount > 0:
        return declined("card_declined", "generic_decline")
    if card.cvc_fails and request.cvc_provided:
        return declined("incorrect_cvc", "incorrect_cvc")
    if _needs_authentication(card.three_ds, request) and not request.authenticated:
        if request.off_session:  # nobody to challenge: the issuer soft-declines
            return declined(
                "authentication_required", "authentication_required", AuthorizeStatus.AUTHENTICATION_REQUIRED
            )
        return AuthorizeResult(
            status=AuthorizeStatus.AUTHENTICATION_REQUIRED,
            reference=reference,
            network_status="not_sent_to_network",
            message="This payment requires authentication.",
        )
    if card.decline_after_authentication is not None:
        return declined("card_declined", card.decline_after_authentication)
    return AuthorizeResult(
        status=AuthorizeStatus.CAPTURED if request.capture else AuthorizeStatus.AUTHORIZED,
        reference=reference,
        network_status="approved_by_network",
        message="Payment complete.",
        cvc_check=cvc_check,
        postal_code_check=postal_check,
    )
