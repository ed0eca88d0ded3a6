"""products: a product's id is unique within its merchant and mode, not across the network

Merchants choose their products' ids (`POST /v1/products` with `id`), as at Stripe, where an id names a
product of one account in one mode. A unique index on the id alone let one merchant's `gold` refuse every
other merchant's, and test mode's refuse live mode's, with a 500 (the request's own check looks in its scope
only).

Revision ID: 0112
Revises: 0111
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0112"
down_revision = "0111"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint("uq_products_id", type_="unique")
        batch_op.create_unique_constraint("uq_products_scope_id", ["merchant_id", "livemode", "id"])


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint("uq_products_scope_id", type_="unique")
        batch_op.create_unique_constraint("uq_products_id", ["id"])
