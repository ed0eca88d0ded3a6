"""radar: attempts, rules, value lists, reviews; review_id on payment intents and charges;
the SMS budget's index on link codes

Revision ID: 0092
Revises: 0091
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0092"
down_revision = "0091"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.create_index("ix_link_codes_channel_created", ["livemode", "channel", "created"], unique=False)
    for table in ("payment_intents", "charges"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("review_id", sa.String(length=64), nullable=True))

    op.create_table(
        "radar_attempts",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=64), nullable=False),
        sa.Column("charge_id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("risk_score", sa.Integer(), nullable=False),
        sa.Column(
            "attributes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("fraud_report", sa.String(length=32), nullable=True),
        sa.CheckConstraint("result IN ('authorized', 'declined', 'blocked')", name=op.f("ck_radar_attempts_result")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_radar_attempts")),
    )
    with op.batch_alter_table("radar_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_radar_attempts_charge", ["charge_id"], unique=False)
        batch_op.create_index("ix_radar_attempts_email", ["livemode", "email", "created"], unique=False)
        batch_op.create_index("ix_radar_attempts_fingerprint", ["livemode", "fingerprint", "created"], unique=False)
        batch_op.create_index("ix_radar_attempts_intent", ["payment_intent_id", "created"], unique=False)
        batch_op.create_index("ix_radar_attempts_ip", ["livemode", "ip_address", "created"], unique=False)
        batch_op.create_index("ix_radar_attempts_merchant", ["merchant_id", "livemode", "created"], unique=False)

    op.create_table(
        "radar_rules",
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("predicate", sa.String(length=2000), nullable=False),
        sa.Column("builtin", sa.String(length=64), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "action IN ('request_credentials', 'allow', 'block', 'review')", name=op.f("ck_radar_rules_action")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_radar_rules")),
        sa.UniqueConstraint("id", name=op.f("uq_radar_rules_id")),
    )
    with op.batch_alter_table("radar_rules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_radar_rules_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False
        )

    op.create_table(
        "radar_value_list_items",
        sa.Column("value_list_id", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=800), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_radar_value_list_items")),
        sa.UniqueConstraint("id", name=op.f("uq_radar_value_list_items_id")),
    )
    with op.batch_alter_table("radar_value_list_items", schema=None) as batch_op:
        batch_op.create_index("ix_radar_value_list_items_list", ["value_list_id", "created", "pk"], unique=False)
        batch_op.create_index("ix_radar_value_list_items_value", ["value_list_id", "value"], unique=True)

    op.create_table(
        "radar_value_lists",
        sa.Column("alias", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("item_type", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_radar_value_lists")),
        sa.UniqueConstraint("id", name=op.f("uq_radar_value_lists_id")),
    )
    with op.batch_alter_table("radar_value_lists", schema=None) as batch_op:
        batch_op.create_index("ix_radar_value_lists_alias", ["merchant_id", "livemode", "alias"], unique=True)
        batch_op.create_index(
            "ix_radar_value_lists_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False
        )

    op.create_table(
        "reviews",
        sa.Column("charge_id", sa.String(length=64), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=64), nullable=True),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("opened_reason", sa.String(length=16), nullable=False),
        sa.Column("closed_reason", sa.String(length=32), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_reviews")),
        sa.UniqueConstraint("id", name=op.f("uq_reviews_id")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index("ix_reviews_charge", ["charge_id"], unique=False)
        batch_op.create_index("ix_reviews_scope_created", ["merchant_id", "livemode", "created", "pk"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_link_codes_channel_created")
    for table in ("payment_intents", "charges"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("review_id")

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_scope_created")
        batch_op.drop_index("ix_reviews_charge")

    op.drop_table("reviews")
    with op.batch_alter_table("radar_value_lists", schema=None) as batch_op:
        batch_op.drop_index("ix_radar_value_lists_scope_created")
        batch_op.drop_index("ix_radar_value_lists_alias")

    op.drop_table("radar_value_lists")
    with op.batch_alter_table("radar_value_list_items", schema=None) as batch_op:
        batch_op.drop_index("ix_radar_value_list_items_value")
        batch_op.drop_index("ix_radar_value_list_items_list")

    op.drop_table("radar_value_list_items")
    with op.batch_alter_table("radar_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_radar_rules_scope_created")

    op.drop_table("radar_rules")
    with op.batch_alter_table("radar_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_radar_attempts_merchant")
        batch_op.drop_index("ix_radar_attempts_ip")
        batch_op.drop_index("ix_radar_attempts_intent")
        batch_op.drop_index("ix_radar_attempts_fingerprint")
        batch_op.drop_index("ix_radar_attempts_email")
        batch_op.drop_index("ix_radar_attempts_charge")

    op.drop_table("radar_attempts")
