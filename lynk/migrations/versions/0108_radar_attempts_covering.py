"""radar attempts covering indexes: the risk stage's window counts read only their index, not every row of
the window in the table; and a partial index of the attempts reported as fraud (the card's history)

Revision ID: 0108
Revises: 0107
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0108"
down_revision = "0107"
branch_labels = None
depends_on = None

# index: (its key columns, what the windows' branch on it reads besides: the result and its distinct counts).
# PostgreSQL only (INCLUDE); SQLite keeps its indexes as they were.
COVERING = {
    "ix_radar_attempts_fingerprint": (["livemode", "fingerprint", "created"], ["result", "merchant_id", "email"]),
    "ix_radar_attempts_ip": (["livemode", "ip_address", "created"], ["result", "fingerprint"]),
    "ix_radar_attempts_email": (["livemode", "email", "created"], ["result", "fingerprint"]),
    "ix_radar_attempts_merchant": (["merchant_id", "livemode", "created"], ["result"]),
    "ix_radar_attempts_intent": (["payment_intent_id", "created"], ["livemode", "result"]),
    "ix_radar_attempts_device": (["livemode", "device", "created"], ["result", "fingerprint"]),
    "ix_radar_attempts_link_account": (["livemode", "link_account", "created"], ["result", "fingerprint"]),
}
REPORTED = "ix_radar_attempts_reported"
# An index-only scan still reads the table for the pages not yet marked all-visible by a vacuum. By default an
# insert-only table is vacuumed after a fifth of its size in new rows: for 30 days of attempts, about the last
# six days, i.e. the windows' own rows. Vacuumed every 10,000 attempts instead (each pass visits only the pages
# written since the last).
VACUUM_SETTINGS = "autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, (columns, include) in COVERING.items():
            op.drop_index(name, table_name="radar_attempts")
            op.create_index(name, "radar_attempts", columns, postgresql_include=include)
        op.execute(f"ALTER TABLE radar_attempts SET ({VACUUM_SETTINGS})")
    reported = sa.text("fraud_report IS NOT NULL")
    op.create_index(
        REPORTED,
        "radar_attempts",
        ["livemode", "fingerprint", "merchant_id"],
        postgresql_where=reported,
        sqlite_where=reported,
    )


def downgrade() -> None:
    op.drop_index(REPORTED, table_name="radar_attempts")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE radar_attempts RESET (autovacuum_vacuum_insert_threshold, "
            "autovacuum_vacuum_insert_scale_factor)"
        )
        for name, (columns, _include) in COVERING.items():
            op.drop_index(name, table_name="radar_attempts")
            op.create_index(name, "radar_attempts", columns)
