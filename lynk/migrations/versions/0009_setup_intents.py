"""setup_intents

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mandates",
        sa.Column("payment_method_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column(
            "customer_acceptance",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'inactive', 'pending')", name=op.f("ck_mandates_status")),
        sa.CheckConstraint("type IN ('multi_use', 'single_use')", name=op.f("ck_mandates_type")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_mandates")),
        sa.UniqueConstraint("id", name=op.f("uq_mandates_id")),
    )
    with op.batch_alter_table("mandates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mandates_scope_payment_method", ["merchant_id", "livemode", "payment_method_id", "pk"], unique=False
        )

    op.create_table(
        "setup_attempts",
        sa.Column("setup_intent_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("usage", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("payment_method_id", sa.String(length=64), nullable=False),
        sa.Column(
            "payment_method_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "setup_error", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("connector_reference", sa.String(length=64), nullable=True),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status IN ('requires_confirmation', 'requires_action', 'processing', 'succeeded', 'failed', 'abandoned')",
            name=op.f("ck_setup_attempts_status"),
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_setup_attempts")),
        sa.UniqueConstraint("id", name=op.f("uq_setup_attempts_id")),
    )
    with op.batch_alter_table("setup_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_setup_attempts_scope_intent",
            ["merchant_id", "livemode", "setup_intent_id", "created", "pk"],
            unique=False,
        )

    op.create_table(
        "setup_intents",
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("usage", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("payment_method_id", sa.String(length=64), nullable=True),
        sa.Column(
            "payment_method_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("client_secret", sa.String(length=128), nullable=False),
        sa.Column("cancellation_reason", sa.String(length=32), nullable=True),
        sa.Column(
            "last_setup_error",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "next_action", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("return_url", sa.Text(), nullable=True),
        sa.Column(
            "payment_method_options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("latest_attempt_id", sa.String(length=64), nullable=True),
        sa.Column("mandate_id", sa.String(length=64), nullable=True),
        sa.Column(
            "customer_acceptance",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status IN ('requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'canceled', 'succeeded')",
            name=op.f("ck_setup_intents_status"),
        ),
        sa.CheckConstraint("usage IN ('on_session', 'off_session')", name=op.f("ck_setup_intents_usage")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_setup_intents")),
        sa.UniqueConstraint("id", name=op.f("uq_setup_intents_id")),
    )
    with op.batch_alter_table("setup_intents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_setup_intents_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False
        )
        batch_op.create_index(
            "ix_setup_intents_scope_customer", ["merchant_id", "livemode", "customer_id", "created", "pk"], unique=False
        )
        batch_op.create_index(
            "ix_setup_intents_scope_payment_method", ["merchant_id", "livemode", "payment_method_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("setup_intents", schema=None) as batch_op:
        batch_op.drop_index("ix_setup_intents_scope_payment_method")
        batch_op.drop_index("ix_setup_intents_scope_customer")
        batch_op.drop_index("ix_setup_intents_scope_created")

    op.drop_table("setup_intents")
    with op.batch_alter_table("setup_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_setup_attempts_scope_intent")

    op.drop_table("setup_attempts")
    with op.batch_alter_table("mandates", schema=None) as batch_op:
        batch_op.drop_index("ix_mandates_scope_payment_method")

    op.drop_table("mandates")
