"""vault

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "vault_cards",
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("brand", sa.String(length=16), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("bin", sa.String(length=6), nullable=False),
        sa.Column("funding", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_vault_cards")),
        sa.UniqueConstraint("id", name=op.f("uq_vault_cards_id")),
    )
    with op.batch_alter_table("vault_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vault_cards_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_vault_cards_key_id"), ["key_id"], unique=False)

    op.create_table(
        "vault_secrets",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_vault_secrets")),
        sa.UniqueConstraint("id", name=op.f("uq_vault_secrets_id")),
        sa.UniqueConstraint("purpose", "livemode", name=op.f("uq_vault_secrets_purpose_livemode")),
    )


def downgrade() -> None:

    op.drop_table("vault_secrets")
    with op.batch_alter_table("vault_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vault_cards_key_id"))
        batch_op.drop_index(batch_op.f("ix_vault_cards_fingerprint"))

    op.drop_table("vault_cards")
