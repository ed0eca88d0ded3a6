"""checkout sessions: ui_mode (embedded), client_secret, return_url, and the page's customisations

Revision ID: 0082
Revises: 0081
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0082"
down_revision = "0081"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ui_mode", sa.String(length=16), server_default="hosted", nullable=False))
        batch_op.add_column(sa.Column("client_secret", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("return_url", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "options", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        for column in ("options", "return_url", "client_secret", "ui_mode"):
            batch_op.drop_column(column)
