"""PaymentIntents, their charges, and the log of every call made to a processor connector."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base, BigIntPk
from lynk.models.base import JsonDoc, ScopedObject


class PaymentIntentStatus(StrEnum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    CANCELED = "canceled"
    SUCCEEDED = "succeeded"


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in enum)})"


class PaymentIntent(ScopedObject, Base):
    __tablename__ = "payment_intents"
    __table_args__ = (
        Index("ix_payment_intents_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_payment_intents_scope_customer", "merchant_id", "livemode", "customer_id", "created", "pk"),
        Index("ix_payment_intents_status_authorized", "status", "authorized_at"),  # authorizations that expire
        CheckConstraint(_in("status", PaymentIntentStatus), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("amount_received >= 0 AND amount_received <= amount", name="amount_received"),
        CheckConstraint("amount_capturable >= 0 AND amount_capturable <= amount", name="amount_capturable"),
    )

    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PaymentIntentStatus] = mapped_column(String(32))
    capture_method: Mapped[str] = mapped_column(String(16))
    confirmation_method: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    payment_method_id: Mapped[str | None] = mapped_column(String(64))
    payment_method_types: Mapped[list[str]] = mapped_column(JsonDoc)
    setup_future_usage: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    receipt_email: Mapped[str | None] = mapped_column(String(512))
    statement_descriptor: Mapped[str | None] = mapped_column(String(22))
    client_secret: Mapped[str] = mapped_column(String(128))
    amount_capturable: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_received: Mapped[int] = mapped_column(BigInteger, default=0)
    canceled_at: Mapped[int | None] = mapped_column(BigInteger)
    cancellation_reason: Mapped[str | None] = mapped_column(String(32))
    last_payment_error: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    next_action: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    latest_charge_id: Mapped[str | None] = mapped_column(String(64))
    return_url: Mapped[str | None] = mapped_column(Text)
    off_session: Mapped[bool] = mapped_column(default=False)
    # Bumped by every confirmation: the connector idempotency key of an attempt is derived from it,
    # so a retry after a crash asks the processor the same question again instead of a new one.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    authorized_reference: Mapped[str | None] = mapped_column(String(64))
    authorized_at: Mapped[int | None] = mapped_column(BigInteger)
    # `{"enabled": true, "allow_redirects": "always"}` when the types came from the merchant's enabled methods.
    automatic_payment_methods: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, default=None)
    # What was asked of each method type: `{"card": {"request_three_d_secure": "challenge"}}`.
    payment_method_options: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, default=None)
    shipping: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, default=None)
    statement_descriptor_suffix: Mapped[str | None] = mapped_column(String(22), default=None)
    review_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the Radar review of its charge


class Charge(ScopedObject, Base):
    __tablename__ = "charges"
    __table_args__ = (
        Index("ix_charges_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_charges_payment_intent", "payment_intent_id"),
        Index("ix_charges_scope_customer", "merchant_id", "livemode", "customer_id", "created", "pk"),
        Index("ix_charges_scope_payment_intent", "merchant_id", "livemode", "payment_intent_id", "created", "pk"),
        CheckConstraint(_in("status", ChargeStatus), name="status"),
        CheckConstraint("amount_captured >= 0 AND amount_captured <= amount", name="amount_captured"),
        CheckConstraint("amount_refunded >= 0 AND amount_refunded <= amount_captured", name="amount_refunded"),
    )

    payment_intent_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    amount_captured: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[ChargeStatus] = mapped_column(String(16))
    captured: Mapped[bool] = mapped_column(default=False)
    paid: Mapped[bool] = mapped_column(default=False)
    customer_id: Mapped[str | None] = mapped_column(String(64))
    payment_method_id: Mapped[str] = mapped_column(String(64))
    payment_method_details: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    outcome: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(Text)
    balance_transaction_id: Mapped[str | None] = mapped_column(String(64))
    connector_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    receipt_email: Mapped[str | None] = mapped_column(String(512))
    disputed: Mapped[bool] = mapped_column(default=False, server_default=false())
    shipping: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, default=None)
    statement_descriptor: Mapped[str | None] = mapped_column(String(22), default=None)
    statement_descriptor_suffix: Mapped[str | None] = mapped_column(String(22), default=None)
    fraud_details: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, default=None)
    review_id: Mapped[str | None] = mapped_column(String(64), default=None)


# Charge search's card.last4 clause reads this JSON path (the dashboard's "card last 4" filter): indexed on
# the very expression the query compiles to, scoped and ordered like the other charge lists.
CHARGE_CARD_LAST4 = Charge.payment_method_details[("card", "last4")].as_string()
Index("ix_charges_scope_card_last4", Charge.merchant_id, Charge.livemode, CHARGE_CARD_LAST4, Charge.created, Charge.pk)


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class Refund(ScopedObject, Base):
    __tablename__ = "refunds"
    __table_args__ = (
        Index("ix_refunds_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_refunds_charge", "charge_id"),
        Index("ix_refunds_scope_charge", "merchant_id", "livemode", "charge_id", "created", "pk"),
        Index("ix_refunds_scope_payment_intent", "merchant_id", "livemode", "payment_intent_id", "created", "pk"),
        CheckConstraint(_in("status", RefundStatus), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    charge_id: Mapped[str] = mapped_column(String(64))
    payment_intent_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[RefundStatus] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    failure_reason: Mapped[str | None] = mapped_column(String(64))
    balance_transaction_id: Mapped[str | None] = mapped_column(String(64))
    connector_reference: Mapped[str | None] = mapped_column(String(64))
    failure_balance_transaction_id: Mapped[str | None] = mapped_column(String(64))  # once failed at the processor


class ConnectorCall(Base):
    """Every call to a processor: written before the call, completed after it.

    A card authorization's row is its recovery point (docs/architecture.md, "Recovery points"): committed,
    `started`, before the processor is called, with what resolving it needs if the request never finishes."""

    __tablename__ = "connector_calls"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_connector_calls_status_created", "status", "created"),
    )

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    payment_intent_id: Mapped[str] = mapped_column(String(64), index=True)  # a pi_… or a SetupIntent's seti_…
    operation: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(32))  # started, then the connector's answer
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    created: Mapped[int] = mapped_column(BigInteger)
    completed: Mapped[int | None] = mapped_column(BigInteger)
    # The request that made the call (`RequestInfo.processor_key_base`): its retry takes an unfinished attempt over.
    request_key: Mapped[str | None] = mapped_column(String(40), index=True)
    # The process making the call (`core.process.identity`): the recovery job resolves at once what a dead one left.
    owner: Mapped[str | None] = mapped_column(String(200))
    # An unfinished attempt's way back: the intent's status before it, and how it was asked.
    resume: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
