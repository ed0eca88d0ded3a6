"""payment intent options: automatic payment methods, per-method options, shipping, descriptors

Revision ID: 0080
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0080"
down_revision = "0070"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("automatic_payment_methods", JSON_DOC, nullable=True))
        batch_op.add_column(sa.Column("payment_method_options", JSON_DOC, nullable=True))
        batch_op.add_column(sa.Column("shipping", JSON_DOC, nullable=True))
        batch_op.add_column(sa.Column("statement_descriptor_suffix", sa.String(length=22), nullable=True))
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipping", JSON_DOC, nullable=True))
        batch_op.add_column(sa.Column("statement_descriptor", sa.String(length=22), nullable=True))
        batch_op.add_column(sa.Column("statement_descriptor_suffix", sa.String(length=22), nullable=True))
        batch_op.add_column(sa.Column("fraud_details", JSON_DOC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("charges", schema=None) as batch_op:
        for column in ("fraud_details", "statement_descriptor_suffix", "statement_descriptor", "shipping"):
            batch_op.drop_column(column)
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        for column in (
            "statement_descriptor_suffix",
            "shipping",
            "payment_method_options",
            "automatic_payment_methods",
        ):
            batch_op.drop_column(column)
