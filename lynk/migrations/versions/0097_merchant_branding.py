"""merchant branding: a brand colour, an icon and a logo shown on Lynk's pages for her shoppers

Revision ID: 0097
Revises: 0094
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0097"
down_revision = "0094"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("merchants") as batch:
        batch.add_column(sa.Column("brand_color", sa.String(length=7), nullable=True))
        batch.add_column(sa.Column("brand_icon", sa.Text(), nullable=True))
        batch.add_column(sa.Column("brand_logo", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("merchants") as batch:
        batch.drop_column("brand_logo")
        batch.drop_column("brand_icon")
        batch.drop_column("brand_color")
