"""link

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_accounts",
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("phone_verified", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=True),
        sa.Column("signup_merchant_id", sa.String(length=64), nullable=True),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_accounts")),
        sa.UniqueConstraint("id", name=op.f("uq_link_accounts_id")),
        sa.UniqueConstraint("livemode", "email", name=op.f("uq_link_accounts_livemode_email")),
    )
    op.create_table(
        "link_codes",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f("ck_link_codes_channel")),
        sa.CheckConstraint("status IN ('active', 'spent', 'burned', 'superseded')", name=op.f("ck_link_codes_status")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_codes")),
        sa.UniqueConstraint("id", name=op.f("uq_link_codes_id")),
    )
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.create_index("ix_link_codes_account_created", ["account_id", "created"], unique=False)
        batch_op.create_index("ix_link_codes_session", ["session_id", "status"], unique=False)

    op.create_table(
        "link_devices",
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("last_verified", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_devices")),
        sa.UniqueConstraint("id", name=op.f("uq_link_devices_id")),
    )
    with op.batch_alter_table("link_devices", schema=None) as batch_op:
        batch_op.create_index("ix_link_devices_account", ["account_id", "created", "pk"], unique=False)

    op.create_table(
        "link_grants",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("payment_method_id", sa.String(length=64), nullable=False),
        sa.Column("payment_detail_id", sa.String(length=64), nullable=True),
        sa.Column("off_session", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("last_used", sa.BigInteger(), nullable=True),
        sa.Column("lookup_at", sa.BigInteger(), nullable=True),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'revoked')", name=op.f("ck_link_grants_status")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_grants")),
        sa.UniqueConstraint("id", name=op.f("uq_link_grants_id")),
        sa.UniqueConstraint("payment_method_id", name=op.f("uq_link_grants_payment_method_id")),
    )
    with op.batch_alter_table("link_grants", schema=None) as batch_op:
        batch_op.create_index("ix_link_grants_account", ["account_id", "created", "pk"], unique=False)

    op.create_table(
        "link_held_signups",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=64), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_held_signups")),
        sa.UniqueConstraint("payment_intent_id", name=op.f("uq_link_held_signups_payment_intent_id")),
    )
    op.create_table(
        "link_messages",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("to", sa.String(length=254), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_messages")),
        sa.UniqueConstraint("id", name=op.f("uq_link_messages_id")),
    )
    with op.batch_alter_table("link_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_link_messages_scope_to", ["merchant_id", "livemode", "to", "created", "pk"], unique=False
        )

    op.create_table(
        "link_metric_events",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_metric_events")),
    )
    with op.batch_alter_table("link_metric_events", schema=None) as batch_op:
        batch_op.create_index("ix_link_metric_events_scope", ["merchant_id", "livemode", "created"], unique=False)

    op.create_table(
        "link_payment_details",
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("vault_card_id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("brand", sa.String(length=16), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("funding", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("nickname", sa.String(length=100), nullable=True),
        sa.Column(
            "billing_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_payment_details")),
        sa.UniqueConstraint("account_id", "fingerprint", name=op.f("uq_link_payment_details_account_id_fingerprint")),
        sa.UniqueConstraint("id", name=op.f("uq_link_payment_details_id")),
    )
    with op.batch_alter_table("link_payment_details", schema=None) as batch_op:
        batch_op.create_index("ix_link_payment_details_account", ["account_id", "created", "pk"], unique=False)

    op.create_table(
        "link_sessions",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verified_at", sa.BigInteger(), nullable=True),
        sa.Column("last_used", sa.BigInteger(), nullable=False),
        sa.Column("lookup_at", sa.BigInteger(), nullable=False),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status IN ('unverified', 'verified', 'logged_out')", name=op.f("ck_link_sessions_status")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_sessions")),
        sa.UniqueConstraint("id", name=op.f("uq_link_sessions_id")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_link_sessions_secret_hash")),
    )
    with op.batch_alter_table("link_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_link_sessions_account", ["account_id", "status"], unique=False)

    op.create_table(
        "link_shipping_addresses",
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column(
            "address", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_link_shipping_addresses")),
        sa.UniqueConstraint("id", name=op.f("uq_link_shipping_addresses_id")),
    )
    with op.batch_alter_table("link_shipping_addresses", schema=None) as batch_op:
        batch_op.create_index("ix_link_shipping_addresses_account", ["account_id", "created", "pk"], unique=False)

    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "link", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_column("link")

    with op.batch_alter_table("link_shipping_addresses", schema=None) as batch_op:
        batch_op.drop_index("ix_link_shipping_addresses_account")

    op.drop_table("link_shipping_addresses")
    with op.batch_alter_table("link_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_link_sessions_account")

    op.drop_table("link_sessions")
    with op.batch_alter_table("link_payment_details", schema=None) as batch_op:
        batch_op.drop_index("ix_link_payment_details_account")

    op.drop_table("link_payment_details")
    with op.batch_alter_table("link_metric_events", schema=None) as batch_op:
        batch_op.drop_index("ix_link_metric_events_scope")

    op.drop_table("link_metric_events")
    with op.batch_alter_table("link_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_link_messages_scope_to")

    op.drop_table("link_messages")
    op.drop_table("link_held_signups")
    with op.batch_alter_table("link_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_link_grants_account")

    op.drop_table("link_grants")
    with op.batch_alter_table("link_devices", schema=None) as batch_op:
        batch_op.drop_index("ix_link_devices_account")

    op.drop_table("link_devices")
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_link_codes_session")
        batch_op.drop_index("ix_link_codes_account_created")

    op.drop_table("link_codes")
    op.drop_table("link_accounts")
