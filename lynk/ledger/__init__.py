"""The double-entry ledger: every money movement is a balanced journal entry, and the database says so.

Accounts exist per merchant, mode and currency, one of each kind (`lynk.models.ledger.AccountKind`):
the merchant's `pending` and `available` funds, and the platform's `fee_revenue`,
`processor_clearing` and `refunds` for that merchant. A journal entry's postings each carry a
positive amount in `debit` or in `credit`; per currency, an entry's debits equal its credits.

How the database enforces it (migration 0006):

- **Balance, PostgreSQL.** DEFERRABLE INITIALLY DEFERRED constraint triggers on `ledger_postings`
  and `ledger_entries` check, at COMMIT, that the entry has at least two postings and balances in
  every currency. A BEFORE INSERT trigger refuses a posting into an entry whose row already
  exists, so a committed entry is sealed.
- **Balance, SQLite** (no deferred triggers). The postings go in first, their foreign key to the
  entry being DEFERRED; the entry row goes in last, and an AFTER INSERT trigger on it refuses an
  entry with fewer than two postings or unbalanced in any currency. A BEFORE INSERT trigger on
  postings refuses any posting into an existing (sealed) entry, and postings whose entry never
  arrives fail the deferred foreign key at COMMIT. `repository.post_entry` writes in this order
  on both backends.
- **Append-only, both.** BEFORE UPDATE and BEFORE DELETE triggers on postings, entries and
  accounts raise (PostgreSQL also refuses TRUNCATE of postings and entries). A correction is a
  new entry. A balance transaction is never deleted, its amounts and identity never change, and
  its status only goes from pending to available.
- A posting's currency equals its account's: a composite foreign key (account_pk, currency).

Balance transactions (`txn_…`) are the merchant's view: each has `net = amount - fee` (a CHECK)
and is booked by journal entries that name it. `invariants.verify` audits all of this
independently of the code that writes it.
"""
