"""event txid: the writing transaction's id, so `lynk listen` reads events in commit order

Revision ID: 0017
Revises: 0012
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("txid", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_events_scope_txid", ["merchant_id", "livemode", "txid", "pk"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_scope_txid")
        batch_op.drop_column("txid")
