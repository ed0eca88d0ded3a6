"""Columns every public object shares: an internal ordering key, a prefixed id, `created`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import BigIntPk

# JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class PublicObject:
    """Mixin: `pk` orders objects created in the same second; `id` is what users see."""

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[int] = mapped_column(BigInteger)


class ScopedObject(PublicObject):
    """A merchant's object in one mode."""

    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JsonDoc, default=dict)
