"""dashboard: users, sign-in links, sessions, audit log; api keys expire

Revision ID: 0093
Revises: 0092
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0093"
down_revision = "0092"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_audit_log",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_dashboard_audit_log")),
        sa.UniqueConstraint("id", name=op.f("uq_dashboard_audit_log_id")),
    )
    with op.batch_alter_table("dashboard_audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_dashboard_audit_log_merchant_pk", ["merchant_id", "pk"], unique=False)

    op.create_table(
        "dashboard_users",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("totp_secret", sa.String(length=128), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=False),
        sa.Column(
            "recovery_codes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.Column("disabled_at", sa.BigInteger(), nullable=True),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'developer', 'analyst', 'support')", name=op.f("ck_dashboard_users_role")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_dashboard_users_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_dashboard_users")),
        sa.UniqueConstraint("email", name=op.f("uq_dashboard_users_email")),
        sa.UniqueConstraint("id", name=op.f("uq_dashboard_users_id")),
    )
    with op.batch_alter_table("dashboard_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dashboard_users_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "dashboard_sessions",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("last_seen", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("stage IN ('password', 'active', 'ended')", name=op.f("ck_dashboard_sessions_stage")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["dashboard_users.id"], name=op.f("fk_dashboard_sessions_user_id_dashboard_users")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_dashboard_sessions")),
        sa.UniqueConstraint("id", name=op.f("uq_dashboard_sessions_id")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_dashboard_sessions_secret_hash")),
    )
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dashboard_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "dashboard_sign_in_links",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["dashboard_users.id"], name=op.f("fk_dashboard_sign_in_links_user_id_dashboard_users")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_dashboard_sign_in_links")),
        sa.UniqueConstraint("id", name=op.f("uq_dashboard_sign_in_links_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_dashboard_sign_in_links_token_hash")),
    )
    with op.batch_alter_table("dashboard_sign_in_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dashboard_sign_in_links_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("expires_at")

    with op.batch_alter_table("dashboard_sign_in_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dashboard_sign_in_links_user_id"))

    op.drop_table("dashboard_sign_in_links")
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dashboard_sessions_user_id"))

    op.drop_table("dashboard_sessions")
    with op.batch_alter_table("dashboard_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dashboard_users_merchant_id"))

    op.drop_table("dashboard_users")
    with op.batch_alter_table("dashboard_audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboard_audit_log_merchant_pk")

    op.drop_table("dashboard_audit_log")
