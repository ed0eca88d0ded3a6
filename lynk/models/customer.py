"""Customers, as Stripe has them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, ScopedObject


class Customer(ScopedObject, Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_customers_scope_email", "merchant_id", "livemode", "email", "created", "pk"),
        Index("ix_customers_test_clock", "test_clock_id"),
    )

    email: Mapped[str | None] = mapped_column(String(512))
    name: Mapped[str | None] = mapped_column(String(256))
    phone: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    shipping: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    invoice_settings: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    preferred_locales: Mapped[list[str]] = mapped_column(JsonDoc)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str | None] = mapped_column(String(3))
    tax_exempt: Mapped[str] = mapped_column(String(16), default="none")
    invoice_prefix: Mapped[str] = mapped_column(String(12))
    next_invoice_sequence: Mapped[int] = mapped_column(BigInteger, default=1)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)
    test_clock_id: Mapped[str | None] = mapped_column(String(64), default=None)
