"""Test clocks (Stripe's test helpers): a merchant's own time for its test customers."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import ScopedObject


class TestClock(ScopedObject, Base):
    """`frozen_time` is the clock's time; `shift` is how far it was advanced in all (what its jobs add)."""

    __test__ = False  # not a pytest test class, whatever its name
    __tablename__ = "test_clocks"
    __table_args__ = (
        Index("ix_test_clocks_scope_created", "merchant_id", "livemode", "created", "pk"),
        CheckConstraint("status IN ('ready', 'advancing', 'internal_failure')", name="status"),
        CheckConstraint("shift >= 0", name="shift_not_negative"),
    )

    name: Mapped[str | None] = mapped_column(String(300))
    frozen_time: Mapped[int] = mapped_column(BigInteger)
    shift: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))
    deletes_after: Mapped[int] = mapped_column(BigInteger)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)
