"""Stripe's test bank accounts (routing number 110000000) and what the simulated bank answers for each.

A connector never sees an account number: accounts are recognised by (routing number, last four),
which is unique across Stripe's table. Any other account settles.
"""

from __future__ import annotations

from dataclasses import dataclass

TEST_ROUTING_NUMBER = "110000000"


@dataclass(frozen=True)
class BankVerdict:
    code: str  # Stripe's failure code on the charge
    return_code: str | None  # the ACH return code the bank sent
    message: str


# (routing number, last4) → verdict; accounts not listed settle.
FAILING_ACCOUNTS: dict[tuple[str, str], BankVerdict] = {
    (TEST_ROUTING_NUMBER, "1113"): BankVerdict("account_closed", "R02", "The customer's bank account has been closed."),
    (TEST_ROUTING_NUMBER, "1116"): BankVerdict(
        "no_account", "R03", "The customer's bank account could not be located."
    ),
    (TEST_ROUTING_NUMBER, "2227"): BankVerdict(
        "insufficient_funds", "R01", "The customer's account has insufficient funds to cover this payment."
    ),
    (TEST_ROUTING_NUMBER, "3335"): BankVerdict(
        "debit_not_authorized", "R10", "The customer has notified their bank that this payment was unauthorized."
    ),
    (TEST_ROUTING_NUMBER, "4440"): BankVerdict(
        "invalid_currency", None, "The bank was unable to process this payment because of its currency."
    ),
}


def verdict(routing_number: str, last4: str) -> BankVerdict | None:
    """The failure the simulated bank returns for this account, or None if the debit settles."""
    return FAILING_ACCOUNTS.get((routing_number, last4))
