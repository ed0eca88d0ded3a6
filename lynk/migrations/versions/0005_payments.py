"""payments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "charges",
        sa.Column("payment_intent_id", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("amount_captured", sa.BigInteger(), nullable=False),
        sa.Column("amount_refunded", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("captured", sa.Boolean(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("payment_method_id", sa.String(length=64), nullable=False),
        sa.Column(
            "payment_method_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "outcome", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("balance_transaction_id", sa.String(length=64), nullable=True),
        sa.Column("connector_reference", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("receipt_email", sa.String(length=512), nullable=True),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status IN ('succeeded', 'pending', 'failed')", name=op.f("ck_charges_status")),
        sa.CheckConstraint(
            "amount_captured >= 0 AND amount_captured <= amount", name=op.f("ck_charges_amount_captured")
        ),
        sa.CheckConstraint(
            "amount_refunded >= 0 AND amount_refunded <= amount_captured", name=op.f("ck_charges_amount_refunded")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_charges")),
        sa.UniqueConstraint("id", name=op.f("uq_charges_id")),
    )
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.create_index("ix_charges_payment_intent", ["payment_intent_id"], unique=False)
        batch_op.create_index("ix_charges_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False)

    op.create_table(
        "connector_calls",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("payment_intent_id", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column(
            "result", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("completed", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_connector_calls")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_connector_calls_idempotency_key")),
    )
    with op.batch_alter_table("connector_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connector_calls_payment_intent_id"), ["payment_intent_id"], unique=False)

    op.create_table(
        "payment_intents",
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("capture_method", sa.String(length=16), nullable=False),
        sa.Column("confirmation_method", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("payment_method_id", sa.String(length=64), nullable=True),
        sa.Column(
            "payment_method_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("setup_future_usage", sa.String(length=16), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("receipt_email", sa.String(length=512), nullable=True),
        sa.Column("statement_descriptor", sa.String(length=22), nullable=True),
        sa.Column("client_secret", sa.String(length=128), nullable=False),
        sa.Column("amount_capturable", sa.BigInteger(), nullable=False),
        sa.Column("amount_received", sa.BigInteger(), nullable=False),
        sa.Column("canceled_at", sa.BigInteger(), nullable=True),
        sa.Column("cancellation_reason", sa.String(length=32), nullable=True),
        sa.Column(
            "last_payment_error",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "next_action", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("latest_charge_id", sa.String(length=64), nullable=True),
        sa.Column("return_url", sa.Text(), nullable=True),
        sa.Column("off_session", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("authorized_reference", sa.String(length=64), nullable=True),
        sa.Column("authorized_at", sa.BigInteger(), nullable=True),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status IN ('requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'canceled', 'succeeded')",
            name=op.f("ck_payment_intents_status"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_intents_amount_positive")),
        sa.CheckConstraint(
            "amount_capturable >= 0 AND amount_capturable <= amount", name=op.f("ck_payment_intents_amount_capturable")
        ),
        sa.CheckConstraint(
            "amount_received >= 0 AND amount_received <= amount", name=op.f("ck_payment_intents_amount_received")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_payment_intents")),
        sa.UniqueConstraint("id", name=op.f("uq_payment_intents_id")),
    )
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_intents_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False
        )
        batch_op.create_index(
            "ix_payment_intents_scope_customer",
            ["merchant_id", "livemode", "customer_id", "created", "pk"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_intents_scope_customer")
        batch_op.drop_index("ix_payment_intents_scope_created")

    op.drop_table("payment_intents")
    with op.batch_alter_table("connector_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connector_calls_payment_intent_id"))

    op.drop_table("connector_calls")
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.drop_index("ix_charges_scope_created")
        batch_op.drop_index("ix_charges_payment_intent")

    op.drop_table("charges")
