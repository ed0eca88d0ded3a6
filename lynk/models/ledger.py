"""The double-entry ledger: accounts, journal entries, postings, and balance transactions.

A journal entry groups postings; each posting moves a positive amount into the debit
*or* the credit column of one account. The database refuses an entry whose debits and
credits differ in any currency, and refuses to change or delete an entry or a posting
(see `lynk.ledger` and migration 0006 for the triggers that do it on each backend).

Postings name their journal entry by its `id` through a DEFERRED foreign key: an
entry's postings are written first and the entry row last, which seals it.

Balance transactions (`txn_…`) are what a merchant sees of the ledger: each one is
booked by one or more journal entries that carry its id.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base, BigIntPk
from lynk.models.base import JsonDoc, PublicObject


class Side(StrEnum):
    """The side on which an account's balance grows."""

    DEBIT = "debit"
    CREDIT = "credit"


class AccountKind(StrEnum):
    """Kinds of ledger account. Every scope (merchant, mode) has one of each per currency.

    `kind` is a free string in the database: a new kind (disputes, payouts in transit)
    is a new member here and in `ACCOUNT_SIDES`, with no migration.
    """

    PENDING = "pending"  # the merchant's funds not yet available (a liability of ours)
    AVAILABLE = "available"  # the merchant's funds available for payout (a liability)
    FEE_REVENUE = "fee_revenue"  # the platform's processing fees (revenue)
    PROCESSOR_CLEARING = "processor_clearing"  # owed to us by the processor for captured charges (an asset)
    REFUNDS = "refunds"  # refunds owed to cardholders, to be sent through the processor (a liability)
    DISPUTES = "disputes"  # disputed funds taken back by the card network (a liability until it decides)
    DISPUTE_FEE_REFUNDS = "dispute_fee_refunds"  # dispute fees given back on won disputes (an expense)


ACCOUNT_SIDES: dict[AccountKind, Side] = {
    AccountKind.PENDING: Side.CREDIT,
    AccountKind.AVAILABLE: Side.CREDIT,
    AccountKind.FEE_REVENUE: Side.CREDIT,
    AccountKind.PROCESSOR_CLEARING: Side.DEBIT,
    AccountKind.REFUNDS: Side.CREDIT,
    AccountKind.DISPUTES: Side.CREDIT,
    AccountKind.DISPUTE_FEE_REFUNDS: Side.DEBIT,
}

MERCHANT_KINDS = (AccountKind.PENDING, AccountKind.AVAILABLE)


class BalanceStatus(StrEnum):
    PENDING = "pending"
    AVAILABLE = "available"


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("merchant_id", "livemode", "currency", "kind"),
        # The target of the postings' (account_pk, currency) foreign key, which keeps a
        # posting's currency equal to its account's.
        UniqueConstraint("pk", "currency"),
        CheckConstraint("currency = lower(currency) AND length(currency) = 3", name="currency"),
        CheckConstraint("normal_side IN ('debit', 'credit')", name="normal_side"),
        CheckConstraint("length(kind) > 0", name="kind"),
    )

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(40))
    normal_side: Mapped[str] = mapped_column(String(6))
    created: Mapped[int] = mapped_column(BigInteger)


class JournalEntry(Base):
    """One balanced money movement. Inserting this row seals the entry's postings."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_scope_created", "merchant_id", "livemode", "created"),
        CheckConstraint("length(kind) > 0", name="kind"),
    )

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    kind: Mapped[str] = mapped_column(String(32))  # charge, refund, settlement, …
    balance_transaction_id: Mapped[str | None] = mapped_column(
        ForeignKey("balance_transactions.id"), index=True, default=None
    )
    description: Mapped[str | None] = mapped_column(Text, default=None)
    created: Mapped[int] = mapped_column(BigInteger)


class Posting(Base):
    """A positive amount on the debit or the credit side of one account; never both."""

    __tablename__ = "ledger_postings"
    __table_args__ = (
        ForeignKeyConstraint(["account_pk", "currency"], ["ledger_accounts.pk", "ledger_accounts.currency"]),
        CheckConstraint("debit >= 0 AND credit >= 0", name="not_negative"),
        CheckConstraint("(debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)", name="one_side"),
        CheckConstraint("currency = lower(currency) AND length(currency) = 3", name="currency"),
    )

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    # DEFERRED: the postings are inserted before their entry (see the module docstring).
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("ledger_entries.id", deferrable=True, initially="DEFERRED"), index=True
    )
    account_pk: Mapped[int] = mapped_column(BigInteger, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)


class BalanceTransaction(PublicObject, Base):
    """A merchant-facing `txn_…`: the amount, fee and net of one money movement."""

    __tablename__ = "balance_transactions"
    __table_args__ = (
        Index("ix_balance_transactions_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_balance_transactions_scope_type", "merchant_id", "livemode", "type", "created", "pk"),
        Index("ix_balance_transactions_source", "source", "merchant_id", "livemode", "created", "pk"),
        Index("ix_balance_transactions_due", "status", "available_on"),
        CheckConstraint("status IN ('pending', 'available')", name="status"),
        CheckConstraint("fee >= 0", name="fee_not_negative"),
        CheckConstraint("net = amount - fee", name="net"),
        CheckConstraint("currency = lower(currency) AND length(currency) = 3", name="currency"),
    )

    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[BalanceStatus] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    fee_details: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc)
    available_on: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    reporting_category: Mapped[str] = mapped_column(String(32))
    # What makes a booking happen at most once: `charge:ch_…`, `refund:re_…`.
    booking_key: Mapped[str] = mapped_column(String(128), unique=True)
