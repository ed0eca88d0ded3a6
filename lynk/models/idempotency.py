"""Stored results of idempotent requests, scoped to a merchant and mode."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base, BigIntPk


class IdempotencyStatus(StrEnum):
    IN_FLIGHT = "in_flight"
    DONE = "done"


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("merchant_id", "livemode", "key"),
        CheckConstraint("status IN ('in_flight', 'done')", name="status"),
    )

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[IdempotencyStatus] = mapped_column(String(16))
    created: Mapped[int] = mapped_column(BigInteger, index=True)
    locked_until: Mapped[int] = mapped_column(BigInteger)
    request_id: Mapped[str] = mapped_column(String(64))
    # The process that claimed the key in flight (`core.process.identity`): a key whose owner died is reclaimed.
    owner: Mapped[str | None] = mapped_column(String(200))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
