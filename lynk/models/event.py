"""Events: one row per state change, written in the same transaction as the change (the outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, PublicObject


class Event(PublicObject, Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_events_scope_type", "merchant_id", "livemode", "type", "created", "pk"),
    )

    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    type: Mapped[str] = mapped_column(String(100))
    api_version: Mapped[str] = mapped_column(String(40))
    # {"object": {...}, "previous_attributes": {...}?}: a snapshot at the time of the change.
    data: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    request_id: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
