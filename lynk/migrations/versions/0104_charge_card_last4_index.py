"""charges by card last 4: an index for the search clause `payment_method_details.card.last4:'4242'`

The dashboard's "card last 4" filter and `GET /v1/charges/search` on that field read the value out of the
charge's JSON. Without an index the query walks every charge of the merchant newest first and checks each
one, which for a card seen once among 100,000 charges reads them all. The index is on the same expression
the query compiles to on each backend (SQLAlchemy's JSON path, cast to text), scoped and ordered like the
other charge lists, so a page is read straight from it.

Revision ID: 0104
Revises: 0101
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0104"
down_revision = "0101"
branch_labels = None
depends_on = None

NAME = "ix_charges_scope_card_last4"
# Exactly what `Charge.payment_method_details[("card", "last4")].as_string()` compiles to: a planner
# (PostgreSQL's and SQLite's alike) uses an expression index only for the same expression.
EXPRESSIONS = {
    "postgresql": "CAST((payment_method_details #>> '{card,last4}') AS VARCHAR)",
    "sqlite": """CAST(JSON_EXTRACT(payment_method_details, '$."card"."last4"') AS VARCHAR)""",
}


def upgrade() -> None:
    expression = EXPRESSIONS[op.get_bind().dialect.name]
    op.execute(f"CREATE INDEX {NAME} ON charges (merchant_id, livemode, {expression}, created, pk)")


def downgrade() -> None:
    op.execute(f"DROP INDEX {NAME}")
