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
    "chargeDeclinedFraudulent": "4100000000000019",
    "visa_chargeDeclined": "4000000000000002",
    "visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "visa_chargeDeclinedLostCard": "4000000000009987",
    "visa_chargeDeclinedStolenCard": "4000000000009979",
    "visa_chargeDeclinedVelocityLimitExceeded": "4000000000006975",
    "cvcCheckFail": "4000000000000101",
    "avsZipFail": "4000000000000036",
    "createDispute": "4000000000000259",
    "createDisputeProductNotReceived": "4000000000002685",
    "createDisputeInquiry": "4000000000001976",
    "createIssuerFraudRecord": "4000000000005423",
    "authenticationRequiredSetupForOffSession": "4000003800000446",
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
# Stripe's cards of each country (`pm_card_gb`, `tok_fr`, …): digits 5 to 7 are the country's ISO number.
# Left out: br, cz, nl and cn, whose numbers end in 0002 like the generic decline card: a processor (and
# the simulator) tells cards apart by BIN and last 4 only, so they would decline.
COUNTRY_CARDS: dict[str, str] = {
    "us": "4242424242424242",
    "ar": "4000000320000021",
    "ca": "4000001240000000",
    "mx": "4000004840008001",
    "at": "4000000400000008",
    "be": "4000000560000004",
    "bg": "4000001000000000",
    "by": "4000001120000005",
    "hr": "4000001910000009",
    "cy": "4000001960000008",
    "dk": "4000002080000001",
    "ee": "4000002330000009",
    "fi": "4000002460000001",
    "fr": "4000002500000003",
    "de": "4000002760000016",
    "gi": "4000002920000005",
    "gr": "4000003000000030",
    "hu": "4000003480000005",
    "ie": "4000003720000005",
    "it": "4000003800000008",
    "lv": "4000004280000005",
    "li": "4000004380000004",
    "lt": "4000004400000000",
    "lu": "4000004420000006",
    "mt": "4000004700000007",
    "no": "4000005780000007",
    "pl": "4000006160000005",
    "pt": "4000006200000007",
    "ro": "4000006420000001",
    "si": "4000007050000006",
    "sk": "4000007030000001",
    "es": "4000007240000007",
    "se": "4000007520000008",
    "ch": "4000007560000009",
    "gb": "4000008260000000",
    "ae": "4000007840000001",
    "au": "4000000360000006",
    "hk": "4000003440000004",
    "in": "4000003560000008",
    "jp": "4000003920000003",
    "my": "4000004580000002",
    "nz": "4000005540000008",
    "sg": "4000007020000003",
    "th": "4000007640000003",
}
TEST_CARD_NUMBERS.update(COUNTRY_CARDS)

PREFIXES = ("pm_card_", "tok_")


def sandbox_card_name(identifier: str) -> str | None:
    """`pm_card_visa` or `tok_visa` → `visa`, when it names a known test card."""
    for prefix in PREFIXES:
        if identifier.startswith(prefix):
            name = identifier[len(prefix) :]
            return name if name in TEST_CARD_NUMBERS else None
    return None


def is_shared_test_card(bin_: str, last4: str) -> bool:
    """A card every developer on the network pays with in test mode (risk keeps its history per merchant)."""
    return (bin_, last4) in _SHARED


_SHARED: frozenset[tuple[str, str]] = frozenset(
    (number[:6], number[-4:]) for number in (*KNOWN_TEST_NUMBERS, *COUNTRY_CARDS.values())
)
