"""refunds

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "refunds",
        sa.Column("charge_id", sa.String(length=64), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("failure_reason", sa.String(length=64), nullable=True),
        sa.Column("balance_transaction_id", sa.String(length=64), nullable=True),
        sa.Column("connector_reference", sa.String(length=64), nullable=True),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'canceled')", name=op.f("ck_refunds_status")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refunds_amount_positive")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_refunds")),
        sa.UniqueConstraint("id", name=op.f("uq_refunds_id")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index("ix_refunds_charge", ["charge_id"], unique=False)
        batch_op.create_index("ix_refunds_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_refunds_scope_created")
        batch_op.drop_index("ix_refunds_charge")

    op.drop_table("refunds")
