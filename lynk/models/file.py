"""Files a merchant uploaded (`POST /v1/files`), their bytes kept in the database with them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import ScopedObject


class FileUpload(ScopedObject, Base):
    __tablename__ = "files"
    __table_args__ = (Index("ix_files_scope_created", "merchant_id", "livemode", "created", "pk"),)

    purpose: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16))  # "pdf", "png", "jpg": what its bytes are, not what it claimed
    size: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[int | None] = mapped_column(BigInteger)
    # Loaded only when asked for: a list of files never reads their bytes.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
