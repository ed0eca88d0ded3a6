"""checkout sessions in setup mode: the session's SetupIntent

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-25 15:40:39.171948
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("setup_intent_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.drop_column("setup_intent_id")
