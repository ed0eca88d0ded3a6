"""The ledger's own error: a booking the books refuse before the database is even asked."""

from __future__ import annotations


class LedgerError(ValueError):
    """A programming error in a caller: an invalid amount, an unbalanced entry, a conflicting re-booking.

    Not an API error: no user input reaches the ledger unchecked, so this surfaces as a 500.
    """
