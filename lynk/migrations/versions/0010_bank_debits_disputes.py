"""bank debits, disputes, early fraud warnings, test clocks

Revision ID: 0010
Revises: 0013
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_debits",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=64), nullable=False),
        sa.Column("charge_id", sa.String(length=64), nullable=False),
        sa.Column("connector_key", sa.String(length=128), nullable=False),
        sa.Column("vault_bank_account_id", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("completed", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name=op.f("ck_bank_debits_status")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bank_debits_amount_positive")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_bank_debits")),
        sa.UniqueConstraint("charge_id", name=op.f("uq_bank_debits_charge_id")),
        sa.UniqueConstraint("connector_key", name=op.f("uq_bank_debits_connector_key")),
    )
    with op.batch_alter_table("bank_debits", schema=None) as batch_op:
        batch_op.create_index("ix_bank_debits_due", ["status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_debits_payment_intent_id"), ["payment_intent_id"], unique=False)

    op.create_table(
        "disputes",
        sa.Column("charge_id", sa.String(length=64), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=64), nullable=True),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column(
            "evidence", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("submission_count", sa.Integer(), nullable=False),
        sa.Column("due_by", sa.BigInteger(), nullable=False),
        sa.Column("resolves_at", sa.BigInteger(), nullable=True),
        sa.Column("network_reason_code", sa.String(length=16), nullable=True),
        sa.Column(
            "payment_method_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "balance_transaction_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status IN ('warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review', 'won', 'lost')",
            name=op.f("ck_disputes_status"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_disputes_amount_positive")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_disputes")),
        sa.UniqueConstraint("id", name=op.f("uq_disputes_id")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index("ix_disputes_charge", ["charge_id"], unique=False)
        batch_op.create_index("ix_disputes_due", ["status", "due_by"], unique=False)
        batch_op.create_index("ix_disputes_review", ["status", "resolves_at"], unique=False)
        batch_op.create_index("ix_disputes_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False)

    op.create_table(
        "early_fraud_warnings",
        sa.Column("charge_id", sa.String(length=64), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=64), nullable=True),
        sa.Column("fraud_type", sa.String(length=40), nullable=False),
        sa.Column("actionable", sa.Boolean(), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_early_fraud_warnings")),
        sa.UniqueConstraint("id", name=op.f("uq_early_fraud_warnings_id")),
    )
    with op.batch_alter_table("early_fraud_warnings", schema=None) as batch_op:
        batch_op.create_index("ix_early_fraud_warnings_charge", ["charge_id"], unique=False)
        batch_op.create_index(
            "ix_early_fraud_warnings_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False
        )

    op.create_table(
        "test_clocks",
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("frozen_time", sa.BigInteger(), nullable=False),
        sa.Column("shift", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deletes_after", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=True),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status IN ('ready', 'advancing', 'internal_failure')", name=op.f("ck_test_clocks_status")),
        sa.CheckConstraint("shift >= 0", name=op.f("ck_test_clocks_shift_not_negative")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_test_clocks")),
        sa.UniqueConstraint("id", name=op.f("uq_test_clocks_id")),
    )
    with op.batch_alter_table("test_clocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_test_clocks_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False
        )

    op.create_table(
        "vault_bank_accounts",
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("routing_number", sa.String(length=9), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("bank_name", sa.String(length=100), nullable=True),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_vault_bank_accounts")),
        sa.UniqueConstraint("id", name=op.f("uq_vault_bank_accounts_id")),
    )
    with op.batch_alter_table("vault_bank_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vault_bank_accounts_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_vault_bank_accounts_key_id"), ["key_id"], unique=False)

    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disputed", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("test_clock_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_customers_test_clock", ["test_clock_id"], unique=False)

    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vault_bank_account_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "us_bank_account",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_column("us_bank_account")
        batch_op.drop_column("vault_bank_account_id")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_test_clock")
        batch_op.drop_column("test_clock_id")

    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.drop_column("disputed")

    with op.batch_alter_table("vault_bank_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vault_bank_accounts_key_id"))
        batch_op.drop_index(batch_op.f("ix_vault_bank_accounts_fingerprint"))

    op.drop_table("vault_bank_accounts")
    with op.batch_alter_table("test_clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_test_clocks_scope_created")

    op.drop_table("test_clocks")
    with op.batch_alter_table("early_fraud_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_early_fraud_warnings_scope_created")
        batch_op.drop_index("ix_early_fraud_warnings_charge")

    op.drop_table("early_fraud_warnings")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index("ix_disputes_scope_created")
        batch_op.drop_index("ix_disputes_review")
        batch_op.drop_index("ix_disputes_due")
        batch_op.drop_index("ix_disputes_charge")

    op.drop_table("disputes")
    with op.batch_alter_table("bank_debits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_debits_payment_intent_id"))
        batch_op.drop_index("ix_bank_debits_due")

    op.drop_table("bank_debits")
