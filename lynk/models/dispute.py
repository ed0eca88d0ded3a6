"""Disputes of a charge (chargebacks and inquiries) and Radar's early fraud warnings."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, ScopedObject


class DisputeStatus(StrEnum):
    WARNING_NEEDS_RESPONSE = "warning_needs_response"
    WARNING_UNDER_REVIEW = "warning_under_review"
    WARNING_CLOSED = "warning_closed"
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"
    LOST = "lost"


class Dispute(ScopedObject, Base):
    __tablename__ = "disputes"
    __table_args__ = (
        Index("ix_disputes_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_disputes_charge", "charge_id"),
        Index("ix_disputes_due", "status", "due_by"),
        Index("ix_disputes_review", "status", "resolves_at"),
        CheckConstraint(
            "status IN (" + ", ".join(repr(str(s)) for s in DisputeStatus) + ")",
            name="status",
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    charge_id: Mapped[str] = mapped_column(String(64))
    payment_intent_id: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(40))
    status: Mapped[DisputeStatus] = mapped_column(String(32))
    evidence: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    submission_count: Mapped[int] = mapped_column(Integer, default=0)
    due_by: Mapped[int] = mapped_column(BigInteger)
    resolves_at: Mapped[int | None] = mapped_column(BigInteger)
    network_reason_code: Mapped[str | None] = mapped_column(String(16))
    payment_method_details: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    # The dispute's balance transactions: funds withdrawn, then (if won) reinstated.
    balance_transaction_ids: Mapped[list[str]] = mapped_column(JsonDoc)


class EarlyFraudWarning(ScopedObject, Base):
    """`radar.early_fraud_warning`: the card network reports a charge as likely fraud."""

    __tablename__ = "early_fraud_warnings"
    __table_args__ = (
        Index("ix_early_fraud_warnings_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_early_fraud_warnings_charge", "charge_id"),
    )

    charge_id: Mapped[str] = mapped_column(String(64))
    payment_intent_id: Mapped[str | None] = mapped_column(String(64))
    fraud_type: Mapped[str] = mapped_column(String(40))
    actionable: Mapped[bool]
