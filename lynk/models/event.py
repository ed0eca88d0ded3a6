"""Events: one row per state change, written in the same transaction as the change (the outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.core.txids import current_txid
from lynk.models.base import JsonDoc, PublicObject

# An event whose webhooks have not all been delivered (Stripe's `delivery_success=false`), written as each
# backend prints the list's condition so its planner finds the index below serves it (migration 0111).
UNDELIVERED_WHERE = "fanout_pending OR pending_webhooks > 0"
UNDELIVERED_WHERE_SQLITE = "fanout_pending = 1 OR pending_webhooks > 0"


class Event(PublicObject, Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_events_scope_type", "merchant_id", "livemode", "type", "created", "pk"),
        Index("ix_events_fanout", "fanout_pending", "pk"),
        Index("ix_events_created", "created"),
        Index("ix_events_scope_txid", "merchant_id", "livemode", "txid", "pk"),
        Index("ix_events_scope_payment", "merchant_id", "livemode", "payment_intent_id", "created", "pk"),
        # A merchant's undelivered events in the list's order: its few, not all its events checked one by one.
        Index(
            "ix_events_scope_undelivered",
            "merchant_id",
            "livemode",
            "created",
            "pk",
            postgresql_where=text(UNDELIVERED_WHERE),
            sqlite_where=text(UNDELIVERED_WHERE_SQLITE),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}

    # Given by Lynk and unique: it matches each row of a multi-row INSERT to the pk it got on SQLite too, whose
    # RETURNING keeps no order (SQLAlchemy then sends the events a flush holds in one statement, not one each).
    id: Mapped[str] = mapped_column(String(64), unique=True, insert_sentinel=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    type: Mapped[str] = mapped_column(String(100))
    api_version: Mapped[str] = mapped_column(String(40))
    # {"object": {...}, "previous_attributes": {...}?}: a snapshot at the time of the change.
    data: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    request_id: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # Set when recorded; the webhook worker clears it once it has made this event's deliveries.
    fanout_pending: Mapped[bool] = mapped_column(default=True)
    # Endpoints this event has not yet reached (Stripe's `pending_webhooks`), kept by the worker.
    pending_webhooks: Mapped[int] = mapped_column(Integer, default=0)
    # The writing transaction's id (PostgreSQL; NULL on SQLite), so `lynk listen` reads events in
    # commit order: see `lynk.core.txids`.
    txid: Mapped[int | None] = mapped_column(BigInteger, default=current_txid())
    # The PaymentIntent the event's object is or belongs to (a charge's, a refund's, a review's, a dispute's),
    # so a payment's events are read by index (the dashboard's timeline and event browser).
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), default=None)
