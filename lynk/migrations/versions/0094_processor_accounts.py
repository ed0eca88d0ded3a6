"""processor accounts: a merchant's processors per mode, with sealed credentials and routing rules;
charges found by their processor reference (a processor's webhooks name it)

Revision ID: 0094
Revises: 0093
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0094"
down_revision = "0093"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "processor_accounts",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=True),
        sa.Column("api_base", sa.String(length=512), nullable=True),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("rules", _JSON, nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("metadata", _JSON, nullable=False),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_processor_accounts")),
        sa.UniqueConstraint("id", name=op.f("uq_processor_accounts_id")),
    )
    op.create_index(
        "ix_processor_accounts_scope", "processor_accounts", ["merchant_id", "livemode", "priority", "pk"], unique=False
    )

    op.create_index(op.f("ix_charges_connector_reference"), "charges", ["connector_reference"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_charges_connector_reference"), table_name="charges")
    op.drop_index("ix_processor_accounts_scope", table_name="processor_accounts")
    op.drop_table("processor_accounts")
