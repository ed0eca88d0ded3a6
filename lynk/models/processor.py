"""A merchant's account at a card processor, per mode, with its sealed credential and routing rule."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, ScopedObject


class ProcessorAccount(ScopedObject, Base):
    """`proc_…`. The secret key is sealed by the vault (bound to this id) and never leaves it but to the
    processor; `rules` says which payments it takes (`currencies`, `card_brands`, `countries`,
    `min_amount`, `max_amount`), `priority` its place in the fallback order (lower first)."""

    __tablename__ = "processor_accounts"
    __table_args__ = (Index("ix_processor_accounts_scope", "merchant_id", "livemode", "priority", "pk"),)

    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(256))
    api_base: Mapped[str | None] = mapped_column(String(512))
    key_id: Mapped[str] = mapped_column(String(32))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    rules: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    removed: Mapped[bool] = mapped_column(default=False)
