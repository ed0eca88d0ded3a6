"""events: a partial index of each merchant's undelivered events in the list's order, so
`GET /v1/events?delivery_success=false` reads the merchant's few undelivered events, not all its events
checked one by one along ix_events_scope_created

Revision ID: 0111
Revises: 0110
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0111"
down_revision = "0110"
branch_labels = None
depends_on = None

NAME = "ix_events_scope_undelivered"
# As each backend prints the list's condition (`fanout_pending = true` is `fanout_pending` to PostgreSQL,
# `fanout_pending = 1` to SQLite), so each planner proves the list's rows are in the index.
UNDELIVERED = sa.text("fanout_pending OR pending_webhooks > 0")
UNDELIVERED_SQLITE = sa.text("fanout_pending = 1 OR pending_webhooks > 0")


def upgrade() -> None:
    op.create_index(
        NAME,
        "events",
        ["merchant_id", "livemode", "created", "pk"],
        postgresql_where=UNDELIVERED,
        sqlite_where=UNDELIVERED_SQLITE,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="events")
