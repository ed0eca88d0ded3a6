"""connector_calls as recovery points: request_key, owner, resume, and an index on (status, created)

Revision ID: 0090
Revises: 0083
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0090"
down_revision = "0083"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connector_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("owner", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "resume", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
            )
        )
        batch_op.create_index(batch_op.f("ix_connector_calls_request_key"), ["request_key"], unique=False)
        batch_op.create_index("ix_connector_calls_status_created", ["status", "created"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("connector_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_connector_calls_status_created")
        batch_op.drop_index(batch_op.f("ix_connector_calls_request_key"))
        batch_op.drop_column("resume")
        batch_op.drop_column("owner")
        batch_op.drop_column("request_key")
