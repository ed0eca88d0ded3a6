"""list filter indexes: a customers list by email and a balance transactions list by source are served by an
index on the filter and the list's order, not a walk of the merchant's objects by `created` checking each row

Revision ID: 0110
Revises: 0109
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0110"
down_revision = "0109"
branch_labels = None
depends_on = None

# index: (its table, its columns before, after). The same leading columns, so each replaces the index it was:
# a lookup by the filter alone still uses it, and a list by the filter reads its page in order.
WIDENED = {
    "ix_customers_scope_email": (
        "customers",
        ["merchant_id", "livemode", "email"],
        ["merchant_id", "livemode", "email", "created", "pk"],
    ),
    "ix_balance_transactions_source": (
        "balance_transactions",
        ["source"],
        ["source", "merchant_id", "livemode", "created", "pk"],
    ),
}


def upgrade() -> None:
    for name, (table, _before, after) in WIDENED.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, after)


def downgrade() -> None:
    for name, (table, before, _after) in WIDENED.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, before)
