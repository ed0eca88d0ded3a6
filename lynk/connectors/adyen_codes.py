"""Adyen's answers in Stripe's words: `resultCode` and `refusalReasonCode` to Stripe's `code` and
`decline_code` (docs/processors.md shows the same table), and a chargeback's reason code to Stripe's
dispute `reason`.

Adyen's refusal reason codes are its own numbering (docs.adyen.com, "Refusal reasons"); a code not in
the table is a `card_declined` / `generic_decline`, as Stripe says of a refusal it cannot explain.
"""

from __future__ import annotations

from lynk.connectors.protocol import AuthorizeStatus

# refusalReasonCode -> (code, decline_code)
REFUSALS: dict[str, tuple[str, str]] = {
    "2": ("card_declined", "generic_decline"),  # Refused
    "3": ("card_declined", "call_issuer"),  # Referral
    "4": ("processing_error", "processing_error"),  # Acquirer Error
    "5": ("card_declined", "restricted_card"),  # Blocked Card
    "6": ("expired_card", "expired_card"),  # Expired Card
    "7": ("card_declined", "invalid_amount"),  # Invalid Amount
    "8": ("incorrect_number", "incorrect_number"),  # Invalid Card Number
    "9": ("card_declined", "issuer_not_available"),  # Issuer Unavailable
    "10": ("card_declined", "card_not_supported"),  # Not supported
    "11": ("card_declined", "authentication_required"),  # 3D Not Authenticated
    "12": ("card_declined", "insufficient_funds"),  # Not enough balance
    "14": ("card_declined", "fraudulent"),  # Acquirer Fraud
    "15": ("card_declined", "generic_decline"),  # Cancelled
    "16": ("card_declined", "generic_decline"),  # Shopper Cancelled
    "17": ("card_declined", "incorrect_pin"),  # Invalid Pin
    "18": ("card_declined", "pin_try_exceeded"),  # Pin tries exceeded
    "19": ("card_declined", "invalid_pin"),  # Pin validation not possible
    "20": ("card_declined", "fraudulent"),  # FRAUD
    "21": ("processing_error", "processing_error"),  # Not Submitted
    "22": ("card_declined", "fraudulent"),  # FRAUD-CANCELLED
    "23": ("card_declined", "transaction_not_allowed"),  # Transaction Not Permitted
    "24": ("incorrect_cvc", "incorrect_cvc"),  # CVC Declined
    "25": ("card_declined", "restricted_card"),  # Restricted Card
    "26": ("card_declined", "revocation_of_authorization"),  # Revocation Of Auth
    "27": ("card_declined", "generic_decline"),  # Declined Non Generic
    "28": ("card_declined", "card_velocity_exceeded"),  # Withdrawal Amount Exceeded
    "29": ("card_declined", "withdrawal_count_limit_exceeded"),  # Withdrawal Count Exceeded
    "31": ("card_declined", "fraudulent"),  # Issuer Suspected Fraud
    "32": ("incorrect_zip", "incorrect_zip"),  # AVS Declined
    "33": ("card_declined", "online_or_offline_pin_required"),  # Card requires online pin
    "34": ("card_declined", "invalid_account"),  # No checking account available on Card
    "35": ("card_declined", "invalid_account"),  # No savings account available on Card
    "38": ("authentication_required", "authentication_required"),  # Authentication required
    "39": ("card_declined", "authentication_required"),  # RReq not received from DS
    "42": ("processing_error", "processing_error"),  # 3DS Authentication Error
    "46": ("card_declined", "do_not_try_again"),  # Transaction blocked by Adyen (excessive retries)
}
GENERIC = ("card_declined", "generic_decline")

# resultCode -> what Lynk makes of it (Authorised is authorized or captured, by the request).
AUTHENTICATION = {"RedirectShopper", "IdentifyShopper", "ChallengeShopper"}
DECLINES = {"Refused", "Cancelled"}
ERRORS = {"Error"}


def refusal(reason_code: str | None) -> tuple[AuthorizeStatus, str, str]:
    """(status, code, decline_code) for a refused payment's `refusalReasonCode`."""
    code, decline_code = REFUSALS.get(str(reason_code or ""), GENERIC)
    if code == "processing_error":
        return AuthorizeStatus.ERROR, code, decline_code
    if code == "authentication_required":
        return AuthorizeStatus.AUTHENTICATION_REQUIRED, code, decline_code
    return AuthorizeStatus.DECLINED, code, decline_code


# A chargeback's `chargebackReasonCode` (Visa's and Mastercard's fraud codes) -> Stripe's dispute reason;
# any other code is `general` (Stripe's word for a reason it does not classify).
FRAUD_REASON_CODES = {"10.1", "10.2", "10.3", "10.4", "10.5", "83", "4837", "4840", "4849", "4863", "4870", "4871"}
NOT_RECEIVED_REASON_CODES = {"13.1", "4855", "30"}


def dispute_reason(chargeback_reason_code: str | None) -> str:
    code = (chargeback_reason_code or "").strip()
    if code in FRAUD_REASON_CODES:
        return "fraudulent"
    if code in NOT_RECEIVED_REASON_CODES:
        return "product_not_received"
    return "general"
