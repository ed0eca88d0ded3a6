"""checkout_sessions and checkout_line_items

Revision ID: 0013
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkout_line_items",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("unit_amount", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_total", sa.BigInteger(), nullable=False),
        sa.Column("price_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.CheckConstraint("amount_total = unit_amount * quantity", name=op.f("ck_checkout_line_items_amount_total")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_checkout_line_items_quantity_positive")),
        sa.CheckConstraint("unit_amount >= 0", name=op.f("ck_checkout_line_items_unit_amount")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_checkout_line_items")),
        sa.UniqueConstraint("id", name=op.f("uq_checkout_line_items_id")),
        sa.UniqueConstraint("session_id", "position", name=op.f("uq_checkout_line_items_session_id_position")),
    )
    op.create_table(
        "checkout_sessions",
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payment_status", sa.String(length=24), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_subtotal", sa.BigInteger(), nullable=False),
        sa.Column("amount_total", sa.BigInteger(), nullable=False),
        sa.Column("success_url", sa.Text(), nullable=True),
        sa.Column("cancel_url", sa.Text(), nullable=True),
        sa.Column("client_reference_id", sa.String(length=200), nullable=True),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("customer_email", sa.String(length=512), nullable=True),
        sa.Column(
            "customer_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "payment_method_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("payment_intent_id", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("completed_at", sa.BigInteger(), nullable=True),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "(status = 'complete') = (completed_at IS NOT NULL)", name=op.f("ck_checkout_sessions_completed_at")
        ),
        sa.CheckConstraint(
            "payment_status IN ('paid', 'unpaid', 'no_payment_required')",
            name=op.f("ck_checkout_sessions_payment_status"),
        ),
        sa.CheckConstraint("status IN ('open', 'complete', 'expired')", name=op.f("ck_checkout_sessions_status")),
        sa.CheckConstraint("amount_total >= 0 AND amount_subtotal >= 0", name=op.f("ck_checkout_sessions_amounts")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_checkout_sessions")),
        sa.UniqueConstraint("id", name=op.f("uq_checkout_sessions_id")),
    )
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_checkout_sessions_payment_intent", ["payment_intent_id"], unique=False)
        batch_op.create_index(
            "ix_checkout_sessions_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False
        )
        batch_op.create_index("ix_checkout_sessions_status_expires", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_checkout_sessions_status_expires")
        batch_op.drop_index("ix_checkout_sessions_scope_created")
        batch_op.drop_index("ix_checkout_sessions_payment_intent")

    op.drop_table("checkout_sessions")
    op.drop_table("checkout_line_items")
