"""refund failures: the balance transaction that gives back a refund the processor could not pay out
(Stripe's `failure_balance_transaction` on a failed refund)

Revision ID: 0105
Revises: 0104
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0105"
down_revision = "0104"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_balance_transaction_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("failure_balance_transaction_id")
