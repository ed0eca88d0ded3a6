"""Merchants and their API keys (stored as hashes only)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import PublicObject


class KeyKind(StrEnum):
    SECRET = "secret"  # noqa: S105 (a kind of key, not a password)
    PUBLISHABLE = "publishable"


class Merchant(PublicObject, Base):
    __tablename__ = "merchants"

    name: Mapped[str] = mapped_column(String(200))
    # Branding on Lynk's pages for her shoppers (`settings[branding]`, merchants/branding.py checks them):
    # `#rrggbb`, and images as an https URL or a data URL of a PNG, JPEG, GIF or WebP.
    brand_color: Mapped[str | None] = mapped_column(String(7), default=None)
    brand_icon: Mapped[str | None] = mapped_column(Text, default=None)
    brand_logo: Mapped[str | None] = mapped_column(Text, default=None)


class ApiKey(PublicObject, Base):
    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("kind IN ('secret', 'publishable')", name="kind"),)

    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    kind: Mapped[KeyKind] = mapped_column(String(16))
    livemode: Mapped[bool]
    # SHA-256 of the whole key: keys are 192-bit random, so a plain hash cannot be reversed.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What may be shown again: `sk_test_…abcd`.
    redacted: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # A rolled key keeps working until then (the dashboard's "roll with an expiry").
    expires_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
