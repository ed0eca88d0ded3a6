"""SetupIntents (saving a payment method for later), their attempts, and mandates (the consent to
charge a saved method off-session)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, ScopedObject


class SetupIntentStatus(StrEnum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    CANCELED = "canceled"
    SUCCEEDED = "succeeded"


class SetupAttemptStatus(StrEnum):
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABANDONED = "abandoned"


class MandateStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    PENDING = "pending"


def _in(column: str, values: type[StrEnum] | tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class SetupIntent(ScopedObject, Base):
    __tablename__ = "setup_intents"
    __table_args__ = (
        Index("ix_setup_intents_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_setup_intents_scope_customer", "merchant_id", "livemode", "customer_id", "created", "pk"),
        Index("ix_setup_intents_scope_payment_method", "merchant_id", "livemode", "payment_method_id"),
        CheckConstraint(_in("status", SetupIntentStatus), name="status"),
        CheckConstraint(_in("usage", ("on_session", "off_session")), name="usage"),
    )

    status: Mapped[SetupIntentStatus] = mapped_column(String(32))
    usage: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    payment_method_id: Mapped[str | None] = mapped_column(String(64))
    payment_method_types: Mapped[list[str]] = mapped_column(JsonDoc)
    description: Mapped[str | None] = mapped_column(Text)
    client_secret: Mapped[str] = mapped_column(String(128))
    cancellation_reason: Mapped[str | None] = mapped_column(String(32))
    last_setup_error: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    next_action: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    return_url: Mapped[str | None] = mapped_column(Text)
    # What was asked of each method type: `{"card": {"request_three_d_secure": "any"}}`.
    payment_method_options: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    latest_attempt_id: Mapped[str | None] = mapped_column(String(64))
    mandate_id: Mapped[str | None] = mapped_column(String(64))
    # The shopper's consent, captured when the SetupIntent was confirmed (`mandate_data`, or the
    # confirming request's address and browser): it becomes the mandate once the setup succeeds.
    customer_acceptance: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    # Bumped by every confirmation: the connector idempotency key of a verification is derived from it.
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class SetupAttempt(ScopedObject, Base):
    """One confirmation of a SetupIntent: what the processor was asked and what came of it."""

    __tablename__ = "setup_attempts"
    __table_args__ = (
        Index("ix_setup_attempts_scope_intent", "merchant_id", "livemode", "setup_intent_id", "created", "pk"),
        CheckConstraint(_in("status", SetupAttemptStatus), name="status"),
    )

    setup_intent_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[SetupAttemptStatus] = mapped_column(String(32))
    usage: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    payment_method_id: Mapped[str] = mapped_column(String(64))
    payment_method_details: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    setup_error: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    connector_reference: Mapped[str | None] = mapped_column(String(64))


class Mandate(ScopedObject, Base):
    """A shopper's consent to be charged off-session with a saved payment method."""

    __tablename__ = "mandates"
    __table_args__ = (
        Index("ix_mandates_scope_payment_method", "merchant_id", "livemode", "payment_method_id", "pk"),
        CheckConstraint(_in("status", MandateStatus), name="status"),
        CheckConstraint(_in("type", ("multi_use", "single_use")), name="type"),
    )

    payment_method_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[MandateStatus] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    customer_acceptance: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    # The SetupIntent or PaymentIntent (`setup_future_usage=off_session`) that obtained the consent.
    source_id: Mapped[str] = mapped_column(String(64))
