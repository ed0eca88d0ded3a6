"""Products and their Prices (the catalogue Checkout line items point at)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, ScopedObject


class Product(ScopedObject, Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_scope_created", "merchant_id", "livemode", "created", "pk"),
        # The merchant may choose the id: it names one product of its mode, as at Stripe (migration 0112).
        UniqueConstraint("merchant_id", "livemode", "id", name="uq_products_scope_id"),
    )

    id: Mapped[str] = mapped_column(String(64))  # unique per scope (above), not across merchants

    name: Mapped[str] = mapped_column(String(250))
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(Text)
    images: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    marketing_features: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    default_price_id: Mapped[str | None] = mapped_column(String(64))
    shippable: Mapped[bool | None] = mapped_column(default=None)
    statement_descriptor: Mapped[str | None] = mapped_column(String(22))
    tax_code: Mapped[str | None] = mapped_column(String(64))
    unit_label: Mapped[str | None] = mapped_column(String(12))
    url: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[int] = mapped_column(BigInteger)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Price(ScopedObject, Base):
    __tablename__ = "prices"
    __table_args__ = (
        Index("ix_prices_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_prices_product", "product_id"),
        # A lookup key names one price of a merchant's mode (NULLs are distinct in both databases).
        UniqueConstraint("merchant_id", "livemode", "lookup_key", name="uq_prices_lookup_key"),
        CheckConstraint("unit_amount >= 0", name="unit_amount"),
        CheckConstraint("type IN ('one_time', 'recurring')", name="type"),
    )

    product_id: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    currency: Mapped[str] = mapped_column(String(3))
    unit_amount: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(16))
    # `{"interval": "month", "interval_count": 1, "usage_type": "licensed"}` for a recurring price.
    recurring: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, default=None)
    recurring_interval: Mapped[str | None] = mapped_column(String(8), default=None)  # for `recurring[interval]`
    lookup_key: Mapped[str | None] = mapped_column(String(200), default=None)
    nickname: Mapped[str | None] = mapped_column(String(250), default=None)
    tax_behavior: Mapped[str] = mapped_column(String(16), default="unspecified")
