"""The merchant dashboard: its users (a role at one merchant), their one-time sign-in links, server-side
sessions, and the audit log of what they did.

Secrets are stored as SHA-256 digests (sign-in links, session secrets and recovery codes are 192-bit random
or close, so a plain digest cannot be reversed); passwords as argon2id hashes; TOTP secrets encrypted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, PublicObject

ROLES = ("admin", "developer", "analyst", "support")


class DashboardUser(PublicObject, Base):
    __tablename__ = "dashboard_users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'developer', 'analyst', 'support')", name="role"),)

    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    # Lowercased; one user per email across Lynk, so sign-in needs nothing but the email.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    # Encrypted (service._seal_totp): nonce and AES-GCM ciphertext, base64.
    totp_secret: Mapped[str | None] = mapped_column(String(128), default=None)
    # The last TOTP time step accepted: a code is good once.
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    recovery_codes: Mapped[list[str]] = mapped_column(JsonDoc, default=list)  # digests of the unused ones
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[int] = mapped_column(BigInteger, default=0)
    disabled_at: Mapped[int | None] = mapped_column(BigInteger, default=None)


class DashboardSignInLink(PublicObject, Base):
    """A one-time link to set a password and enrol TOTP (`lynk users create` prints it)."""

    __tablename__ = "dashboard_sign_in_links"

    user_id: Mapped[str] = mapped_column(ForeignKey("dashboard_users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, default=None)


class DashboardSession(PublicObject, Base):
    """A browser's session: `password` after the password, `active` after the second factor."""

    __tablename__ = "dashboard_sessions"
    __table_args__ = (CheckConstraint("stage IN ('password', 'active', 'ended')", name="stage"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("dashboard_users.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    stage: Mapped[str] = mapped_column(String(16))
    livemode: Mapped[bool] = mapped_column(default=False)  # the test/live switch
    last_seen: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)  # however active, a session ends then


class DashboardAuditEntry(PublicObject, Base):
    __tablename__ = "dashboard_audit_log"
    __table_args__ = (Index("ix_dashboard_audit_log_merchant_pk", "merchant_id", "pk"),)

    merchant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(64))
    livemode: Mapped[bool]
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
