"""A merchant's account at a card processor, per mode, with its sealed credential and routing rule."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base, BigIntPk
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
    timeout_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """How long a call may take before it counts as unanswered; None: the default (10 s)."""


class ProcessorAttempt(Base):
    """The processor an authorization attempt was sent to, committed before the call: a retry of the attempt
    (or its recovery) asks that processor under the same key, never another one."""

    __tablename__ = "processor_attempts"

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    processor_id: Mapped[str] = mapped_column(String(64))
    processor_key: Mapped[str] = mapped_column(String(400))
    created: Mapped[int] = mapped_column(BigInteger)


class ProcessorCall(Base):
    """One call to a processor, for its health: answered or not, and how fast (shared by every process)."""

    __tablename__ = "processor_calls"
    __table_args__ = (Index("ix_processor_calls_processor_at", "processor_id", "at_ms"),)

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    processor_id: Mapped[str] = mapped_column(String(64))
    at_ms: Mapped[int] = mapped_column(BigInteger)
    ok: Mapped[bool]
    latency_ms: Mapped[int] = mapped_column(Integer)


class ProcessorBreaker(Base):
    """A processor's circuit breaker, shared by every process: open since `opened_ms` (None: closed), the
    half-open probe claimed at `probe_ms`, and calls before `since_ms` forgotten (a probe that answered)."""

    __tablename__ = "processor_breakers"

    processor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    opened_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    probe_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    since_ms: Mapped[int] = mapped_column(BigInteger, default=0)
