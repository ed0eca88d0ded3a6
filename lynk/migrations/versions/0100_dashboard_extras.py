"""files: what merchants upload (`POST /v1/files`, dispute evidence), their bytes kept with them;
events.payment_intent_id: the payment an event is about, indexed (a payment's events without a scan)

Revision ID: 0095
Revises: 0094
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0100"
down_revision = "0099"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("metadata", _JSON, nullable=False),
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_files")),
        sa.UniqueConstraint("id", name=op.f("uq_files_id")),
    )
    op.create_index("ix_files_scope_created", "files", ["merchant_id", "livemode", "created", "pk"], unique=False)

    op.add_column("events", sa.Column("payment_intent_id", sa.String(length=64), nullable=True))
    # The events recorded before: their object's own `pi_…` id, else the PaymentIntent it names.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """UPDATE events SET payment_intent_id = CASE
                 WHEN substr(data->'object'->>'id', 1, 3) = 'pi_' THEN data->'object'->>'id'
                 WHEN jsonb_typeof(data->'object'->'payment_intent') = 'string'
                   THEN data->'object'->>'payment_intent' END"""
        )
    else:
        op.execute(
            """UPDATE events SET payment_intent_id = CASE
                 WHEN substr(json_extract(data, '$.object.id'), 1, 3) = 'pi_' THEN json_extract(data, '$.object.id')
                 WHEN json_type(data, '$.object.payment_intent') = 'text'
                   THEN json_extract(data, '$.object.payment_intent') END"""
        )
    op.create_index(
        "ix_events_scope_payment", "events", ["merchant_id", "livemode", "payment_intent_id", "created", "pk"]
    )


def downgrade() -> None:
    op.drop_index("ix_events_scope_payment", table_name="events")
    op.drop_column("events", "payment_intent_id")
    op.drop_index("ix_files_scope_created", table_name="files")
    op.drop_table("files")
