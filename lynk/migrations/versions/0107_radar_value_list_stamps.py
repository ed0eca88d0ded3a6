"""radar value list stamps: a version per merchant (and mode) of its value lists, changed with any list or
item, so the risk stage keeps the lists' values per process instead of reading them on every payment

Revision ID: 0107
Revises: 0106
Create Date: 2026-12-03
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0107"
down_revision = "0106"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamps = op.create_table(
        "radar_value_list_stamps",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_radar_value_list_stamps")),
        sa.UniqueConstraint("merchant_id", "livemode", name=op.f("uq_radar_value_list_stamps_merchant_id_livemode")),
    )
    # Every merchant (and mode) that already has lists gets a stamp: without one, the stage reads no items.
    scopes = op.get_bind().execute(sa.text("SELECT DISTINCT merchant_id, livemode FROM radar_value_lists")).all()
    rows = [{"merchant_id": m, "livemode": bool(live), "stamp": uuid.uuid4().hex} for m, live in scopes]
    if rows:
        op.bulk_insert(stamps, rows)


def downgrade() -> None:
    op.drop_table("radar_value_list_stamps")
