"""link sources pruned: an index on when each source was last verified from, for the upkeep that forgets
sources unused for half a year (link/step_up.py)

Revision ID: 0106
Revises: 0105
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0106"
down_revision = "0105"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_sources", schema=None) as batch_op:
        batch_op.create_index("ix_link_sources_last_seen", ["last_seen"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_sources", schema=None) as batch_op:
        batch_op.drop_index("ix_link_sources_last_seen")
