"""Bank accounts sealed in the vault, and the bank debits waiting for the bank's answer."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base, BigIntPk
from lynk.models.base import PublicObject


class VaultBankAccount(PublicObject, Base):
    """An account number sealed under a data key; the routing number and last four are in the clear."""

    __tablename__ = "vault_bank_accounts"

    livemode: Mapped[bool]
    key_id: Mapped[str] = mapped_column(String(32), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(32), index=True)
    routing_number: Mapped[str] = mapped_column(String(9))
    last4: Mapped[str] = mapped_column(String(4))
    bank_name: Mapped[str | None] = mapped_column(String(100))


class BankDebitStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class BankDebit(Base):
    """One ACH debit sent to the processor: the settlement job asks for its outcome once `due_at` has come."""

    __tablename__ = "bank_debits"
    __table_args__ = (
        Index("ix_bank_debits_due", "status", "due_at"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    payment_intent_id: Mapped[str] = mapped_column(String(64), index=True)
    charge_id: Mapped[str] = mapped_column(String(64), unique=True)
    connector_key: Mapped[str] = mapped_column(String(128), unique=True)
    vault_bank_account_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[BankDebitStatus] = mapped_column(String(16))
    created: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[int] = mapped_column(BigInteger)
    completed: Mapped[int | None] = mapped_column(BigInteger)
