"""Link payment details may be US bank accounts (sealed in the vault): card columns nullable, bank facts added

Revision ID: 0016
Revises: 0012
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0017"
branch_labels = None
depends_on = None

FUNDING = (
    "(type = 'card' AND vault_card_id IS NOT NULL AND vault_bank_account_id IS NULL) OR "
    "(type = 'us_bank_account' AND vault_bank_account_id IS NOT NULL AND vault_card_id IS NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("link_payment_details", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vault_bank_account_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("bank_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("account_type", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("account_holder_type", sa.String(length=16), nullable=True))
        batch_op.alter_column("vault_card_id", existing_type=sa.VARCHAR(length=64), nullable=True)
        batch_op.alter_column("brand", existing_type=sa.VARCHAR(length=16), nullable=True)
        batch_op.alter_column("exp_month", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("exp_year", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("funding", existing_type=sa.VARCHAR(length=16), nullable=True)
        batch_op.create_check_constraint(op.f("ck_link_payment_details_funding"), FUNDING)


def downgrade() -> None:
    op.execute("DELETE FROM link_payment_details WHERE type <> 'card'")
    with op.batch_alter_table("link_payment_details", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_link_payment_details_funding"), type_="check")
        batch_op.alter_column("funding", existing_type=sa.VARCHAR(length=16), nullable=False)
        batch_op.alter_column("exp_year", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("exp_month", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("brand", existing_type=sa.VARCHAR(length=16), nullable=False)
        batch_op.alter_column("vault_card_id", existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.drop_column("account_holder_type")
        batch_op.drop_column("account_type")
        batch_op.drop_column("bank_name")
        batch_op.drop_column("vault_bank_account_id")
