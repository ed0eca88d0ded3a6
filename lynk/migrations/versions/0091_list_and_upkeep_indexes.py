"""indexes for every list filter and upkeep job (tests/api/test_query_plans.py checks the plans)

Charges by customer and by PaymentIntent, refunds by charge and by PaymentIntent: scoped like the other
lists and ordered as they are, so a page is read straight from the index however many the merchant has.
Authorizations that expire (status, authorized_at) and the purge of held Link sign-ups (created).

Revision ID: 0091
Revises: 0090
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0091"
down_revision = "0090"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_charges_scope_customer", "charges", ["merchant_id", "livemode", "customer_id", "created", "pk"]),
    ("ix_charges_scope_payment_intent", "charges", ["merchant_id", "livemode", "payment_intent_id", "created", "pk"]),
    ("ix_refunds_scope_charge", "refunds", ["merchant_id", "livemode", "charge_id", "created", "pk"]),
    ("ix_refunds_scope_payment_intent", "refunds", ["merchant_id", "livemode", "payment_intent_id", "created", "pk"]),
    ("ix_payment_intents_status_authorized", "payment_intents", ["status", "authorized_at"]),
    ("ix_link_held_signups_created", "link_held_signups", ["created"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
