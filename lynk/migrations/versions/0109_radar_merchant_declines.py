"""radar attempts: a partial index of the declined attempts per merchant, so the risk stage counts a merchant's
declines in its minute and hour without reading every attempt of a busy merchant's hour

Revision ID: 0109
Revises: 0108
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0109"
down_revision = "0108"
branch_labels = None
depends_on = None

NAME = "ix_radar_attempts_merchant_declines"
DECLINED = sa.text("result IN ('declined', 'blocked')")


def upgrade() -> None:
    op.create_index(
        NAME,
        "radar_attempts",
        ["merchant_id", "livemode", "created"],
        postgresql_include=["result"],
        postgresql_where=DECLINED,
        sqlite_where=DECLINED,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="radar_attempts")
