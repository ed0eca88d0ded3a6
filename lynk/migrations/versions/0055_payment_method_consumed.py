"""payment method consumed: a card that paid without a customer may not be used again

Revision ID: 0055
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0055"
down_revision = "0050"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consumed", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Cards that already paid while attached to no customer are spent, as they would be from now on.
    op.execute(
        "UPDATE payment_methods SET consumed = TRUE WHERE type = 'card' AND customer_id IS NULL AND EXISTS "
        "(SELECT 1 FROM charges WHERE charges.payment_method_id = payment_methods.id AND charges.paid)"
    )


def downgrade() -> None:
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_column("consumed")
