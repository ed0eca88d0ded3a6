"""PaymentMethods: a merchant's handle on a card or a US bank account, each sealed in the vault."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, ScopedObject


class PaymentMethod(ScopedObject, Base):
    __tablename__ = "payment_methods"
    __table_args__ = (
        Index("ix_payment_methods_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_payment_methods_scope_customer", "merchant_id", "livemode", "customer_id", "created", "pk"),
    )

    type: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    billing_details: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    allow_redisplay: Mapped[str] = mapped_column(String(16), default="unspecified")
    vault_card_id: Mapped[str | None] = mapped_column(String(64))
    # The card's safe facts: brand, last4, exp_month, exp_year, fingerprint, funding, country, checks.
    card: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    vault_bank_account_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # A bank account's safe facts: bank_name, last4, routing_number, fingerprint, holder and account types.
    us_bank_account: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, default=None)
    # A `link` method: the shopper's email only; the card stays in the network (see lynk.link.grants).
    link: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    # A card that paid while attached to no customer is spent: Stripe refuses it for any later payment.
    consumed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
