"""Checkout Sessions and their line items (a price made from `price_data`, and a quantity)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base, BigIntPk
from lynk.models.base import JsonDoc, ScopedObject


class CheckoutSessionStatus(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    EXPIRED = "expired"


class CheckoutPaymentStatus(StrEnum):
    PAID = "paid"
    UNPAID = "unpaid"
    NO_PAYMENT_REQUIRED = "no_payment_required"


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in enum)})"


class CheckoutSession(ScopedObject, Base):
    __tablename__ = "checkout_sessions"
    __table_args__ = (
        Index("ix_checkout_sessions_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_checkout_sessions_payment_intent", "payment_intent_id"),
        Index("ix_checkout_sessions_status_expires", "status", "expires_at"),
        CheckConstraint(_in("status", CheckoutSessionStatus), name="status"),
        CheckConstraint(_in("payment_status", CheckoutPaymentStatus), name="payment_status"),
        CheckConstraint("amount_total >= 0 AND amount_subtotal >= 0", name="amounts"),
        # A complete session has its completion time; an open one has neither end.
        CheckConstraint("(status = 'complete') = (completed_at IS NOT NULL)", name="completed_at"),
    )

    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[CheckoutSessionStatus] = mapped_column(String(16))
    payment_status: Mapped[CheckoutPaymentStatus] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    amount_subtotal: Mapped[int] = mapped_column(BigInteger)
    amount_total: Mapped[int] = mapped_column(BigInteger)
    success_url: Mapped[str | None] = mapped_column(Text)
    cancel_url: Mapped[str | None] = mapped_column(Text)
    client_reference_id: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    customer_email: Mapped[str | None] = mapped_column(String(512))
    customer_details: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    payment_method_types: Mapped[list[str]] = mapped_column(JsonDoc)
    payment_intent_id: Mapped[str | None] = mapped_column(String(64))
    # mode=setup: the SetupIntent that saves the shopper's card (and no PaymentIntent).
    setup_intent_id: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[int] = mapped_column(BigInteger)
    completed_at: Mapped[int | None] = mapped_column(BigInteger)
    # `embedded`: the form is mounted in the merchant's page (lynk.js) with `client_secret`, then goes to `return_url`.
    ui_mode: Mapped[str] = mapped_column(String(16), default="hosted", server_default="hosted")
    client_secret: Mapped[str | None] = mapped_column(String(128), default=None)
    return_url: Mapped[str | None] = mapped_column(Text, default=None)
    # The page's customisations as given (billing_address_collection, phone_number_collection, submit_type, …).
    options: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, default=None)
    # The expired session whose recovery URL made this one (`after_expiration[recovery]`).
    recovered_from: Mapped[str | None] = mapped_column(String(64), default=None)


class CheckoutLineItem(Base):
    """One line of a session, in the order given; reached only through its (scoped) session."""

    __tablename__ = "checkout_line_items"
    __table_args__ = (
        UniqueConstraint("session_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_amount >= 0", name="unit_amount"),
        CheckConstraint("amount_total = unit_amount * quantity", name="amount_total"),
    )

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    unit_amount: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    amount_total: Mapped[int] = mapped_column(BigInteger)
    price_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str] = mapped_column(String(64))
