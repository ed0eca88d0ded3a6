"""Stripe's test payment method ids (`pm_card_visa`, `tok_visa`, …) and the cards behind them.

They live in the vault because they are card numbers, even if public test ones. Only
test mode accepts them.
"""

from __future__ import annotations

TEST_CARD_NUMBERS: dict[str, str] = {
    "visa": "4242424242424242",
    "visa_debit": "4000056655665556",
    "mastercard": "5555555555554444",
    "mastercard_debit": "5200828282828210",
    "mastercard_prepaid": "5105105105105100",
    "amex": "378282246310005",
    "discover": "6011111111111117",
    "diners": "3056930009020004",
    "jcb": "3566002020360505",
    "unionpay": "6200000000000005",
    "chargeDeclined": "4000000000000002",
    "chargeDeclinedInsufficientFunds": "4000000000009995",
    "chargeDeclinedLostCard": "4000000000009987",
    "chargeDeclinedStolenCard": "4000000000009979",
    "chargeDeclinedExpiredCard": "4000000000000069",
    "chargeDeclinedIncorrectCvc": "4000000000000127",
    "chargeDeclinedProcessingError": "4000000000000119",
    "chargeDeclinedVelocityLimitExceeded": "4000000000006975",
    "chargeCustomerFail": "4000000000000341",
    "threeDSecure2Required": "4000000000003220",
    "threeDSecureOptional": "4000000000003055",
    "authenticationRequired": "4000002500003155",
    "authenticationRequiredOnSetup": "4000002500003155",
    "authenticationRequiredChargeDeclinedInsufficientFunds": "4000008260003178",
    "radarBlock": "4100000000000019",
    "riskLevelHighest": "4000000000004954",
    "riskLevelElevated": "4000000000009235",
    "bypassPending": "4000000000000077",
}

# Every card number on Stripe's test-card page (reference/test-cards.md), bank accounts aside, in the
# page's order.
TEST_PAGE_NUMBERS: tuple[str, ...] = (
    *("4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222", "5200828282828210"),
    *("5105105105105100", "378282246310005", "6011111111111117", "3056930009020004", "3566002020360505"),
    *("6200000000000005", "4000000000000002", "4000000000009995", "4000000000009987", "4000000000009979"),
    *("4000000000000069", "4000000000000127", "4000000000000119", "4242424242424241", "4000000000006975"),
    *("4000000000000341", "4000000000000101", "4000000000000036", "4100000000000019", "4000000000004954"),
    *("4000000000009235", "4000002500003155", "4000002760003184", "4000003800000446", "4000008400001629"),
    *("4000008260003178", "4000000000003220", "4000000000003055", "4000000000000259", "4000000000002685"),
    *("4000000000001976", "4000000000005423", "4000000000000077"),
)
# Live mode declines these (`live_mode_test_card`), as Stripe does.
KNOWN_TEST_NUMBERS: frozenset[str] = frozenset((*TEST_PAGE_NUMBERS, *TEST_CARD_NUMBERS.values()))

PREFIXES = ("pm_card_", "tok_")


def sandbox_card_name(identifier: str) -> str | None:
    """`pm_card_visa` or `tok_visa` → `visa`, when it names a known test card."""
    for prefix in PREFIXES:
        if identifier.startswith(prefix):
            name = identifier[len(prefix) :]
            return name if name in TEST_CARD_NUMBERS else None
    return None
