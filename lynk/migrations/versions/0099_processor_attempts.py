"""processor attempts (which processor an authorization was sent to, before the call), processor health
shared by every process (calls and breakers), and a per-processor timeout

Revision ID: 0099
Revises: 0094
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0099"
down_revision = "0097"
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("processor_accounts", sa.Column("timeout_ms", sa.Integer(), nullable=True))
    op.create_table(
        "processor_attempts",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("processor_id", sa.String(length=64), nullable=False),
        sa.Column("processor_key", sa.String(length=400), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_processor_attempts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_processor_attempts_idempotency_key")),
    )
    op.create_table(
        "processor_calls",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("processor_id", sa.String(length=64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_processor_calls")),
    )
    op.create_index("ix_processor_calls_processor_at", "processor_calls", ["processor_id", "at_ms"], unique=False)
    op.create_table(
        "processor_breakers",
        sa.Column("processor_id", sa.String(length=64), nullable=False),
        sa.Column("opened_ms", sa.BigInteger(), nullable=True),
        sa.Column("probe_ms", sa.BigInteger(), nullable=True),
        sa.Column("since_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("processor_id", name=op.f("pk_processor_breakers")),
    )


def downgrade() -> None:
    op.drop_table("processor_breakers")
    op.drop_index("ix_processor_calls_processor_at", table_name="processor_calls")
    op.drop_table("processor_calls")
    op.drop_table("processor_attempts")
    op.drop_column("processor_accounts", "timeout_ms")
