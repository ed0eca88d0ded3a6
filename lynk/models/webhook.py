"""Webhook endpoints, the deliveries of events to them (the job queue), and every attempt made."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base, BigIntPk
from lynk.models.base import JsonDoc, PublicObject, ScopedObject


class WebhookEndpoint(ScopedObject, Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        Index("ix_webhook_endpoints_scope_created", "merchant_id", "livemode", "created", "pk"),
        CheckConstraint("status IN ('enabled', 'disabled')", name="status"),
    )

    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    enabled_events: Mapped[list[str]] = mapped_column(JsonDoc)
    api_version: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    # The signing secret is needed in clear to sign (HMAC); it is returned once, on create.
    secret: Mapped[str] = mapped_column(String(80))
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)
    # After a roll, the old secret still signs until `previous_secret_expires_at`.
    previous_secret: Mapped[str | None] = mapped_column(String(80))
    previous_secret_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    # Health: when the current run of failures began, when a delivery was given up
    # (the endpoint is flagged), and when Lynk disabled it after failing for days.
    failing_since: Mapped[int | None] = mapped_column(BigInteger)
    flagged_at: Mapped[int | None] = mapped_column(BigInteger)
    auto_disabled_at: Mapped[int | None] = mapped_column(BigInteger)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # given up after the retry window
    CANCELED = "canceled"  # the endpoint was disabled or deleted, or the event purged


class WebhookDelivery(Base):
    """One event to deliver to one endpoint: a job claimed by a worker under a lease."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_event", "event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_created", "created"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'canceled')", name="status"),
    )

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[int] = mapped_column(BigInteger)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    event_id: Mapped[str] = mapped_column(String(64))
    endpoint_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[int] = mapped_column(BigInteger)
    # The lease: a worker owns the job until `locked_until`; then any worker may take it again.
    locked_until: Mapped[int | None] = mapped_column(BigInteger)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[int | None] = mapped_column(BigInteger)


class WebhookAttempt(PublicObject, Base):
    """One HTTP request to an endpoint, as the attempt log shows it."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        Index("ix_webhook_attempts_endpoint", "endpoint_id", "created", "pk"),
        Index("ix_webhook_attempts_event", "endpoint_id", "event_id", "created", "pk"),
        Index("ix_webhook_attempts_created", "created"),
    )

    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    endpoint_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    delivery_id: Mapped[str] = mapped_column(String(64))
    attempt_number: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(40))
    succeeded: Mapped[bool]
    latency_ms: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    started_at_ms: Mapped[int] = mapped_column(BigInteger)
    finished_at_ms: Mapped[int] = mapped_column(BigInteger)
    next_attempt_at: Mapped[int | None] = mapped_column(BigInteger)
