"""radar signals: a card attempt's device and Link account (velocity windows per device and per Link
account); the sources (browser bindings, IP addresses) Link accounts were verified from, and a
consumer session's step-up state (account takeover defence)

Revision ID: 0101
Revises: 0094
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101"
down_revision = "0100"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_sources",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_sources")),
        sa.UniqueConstraint(
            "account_id", "kind", "value_hash", name=op.f("uq_link_sources_account_id_kind_value_hash")
        ),
    )
    with op.batch_alter_table("link_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step_up", sa.String(length=16), nullable=True))
    with op.batch_alter_table("radar_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("link_account", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_radar_attempts_device", ["livemode", "device", "created"], unique=False)
        batch_op.create_index("ix_radar_attempts_link_account", ["livemode", "link_account", "created"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("radar_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_radar_attempts_link_account")
        batch_op.drop_index("ix_radar_attempts_device")
        batch_op.drop_column("link_account")
        batch_op.drop_column("device")
    with op.batch_alter_table("link_sessions", schema=None) as batch_op:
        batch_op.drop_column("step_up")
    op.drop_table("link_sources")
