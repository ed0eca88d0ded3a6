"""Webhook endpoints: where a merchant's events are delivered, and the secret that signs them."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, ScopedObject


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
