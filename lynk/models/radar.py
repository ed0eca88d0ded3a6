"""Radar's tables: every card attempt's signals (velocity and network history), rules, value lists, reviews."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base, BigIntPk
from lynk.models.base import JsonDoc, ScopedObject

_CARD = ["result", "merchant_id", "email"]  # a card's windows count its merchants and emails
_SHOPPER = ["result", "fingerprint"]  # an IP address', email's, device's, Link account's count their cards
DECLINED_WHERE = "result IN ('declined', 'blocked')"  # an attempt the card-testing limits count


class RiskAttempt(Base):
    """One card payment attempt as the risk stage saw it: what velocity windows count, network-wide.

    Not scoped to a merchant on purpose: the same card, IP or email at every merchant is the network's
    signal. Merchants never read these rows; they read their own charges."""

    __tablename__ = "radar_attempts"
    __table_args__ = (
        # PostgreSQL's INCLUDE: what the risk stage's window counts read besides the key (the result, the
        # columns counted distinct), so each count reads its index only, not every attempt of the window in
        # the table (migration 0108; docs/fraud.md, "The stage's cost").
        Index("ix_radar_attempts_fingerprint", "livemode", "fingerprint", "created", postgresql_include=_CARD),
        Index("ix_radar_attempts_ip", "livemode", "ip_address", "created", postgresql_include=_SHOPPER),
        Index("ix_radar_attempts_email", "livemode", "email", "created", postgresql_include=_SHOPPER),
        Index("ix_radar_attempts_merchant", "merchant_id", "livemode", "created", postgresql_include=["result"]),
        Index("ix_radar_attempts_intent", "payment_intent_id", "created", postgresql_include=["livemode", "result"]),
        Index("ix_radar_attempts_charge", "charge_id"),
        Index("ix_radar_attempts_device", "livemode", "device", "created", postgresql_include=_SHOPPER),
        Index("ix_radar_attempts_link_account", "livemode", "link_account", "created", postgresql_include=_SHOPPER),
        # The card's fraud history (any time): the few reported attempts, not every attempt of the card.
        Index(
            "ix_radar_attempts_reported",
            "livemode",
            "fingerprint",
            "merchant_id",
            postgresql_where=text("fraud_report IS NOT NULL"),
            sqlite_where=text("fraud_report IS NOT NULL"),
        ),
        # A merchant's declines in its minute and hour (the card-testing limit): the few declined attempts,
        # not every attempt of a busy merchant's hour (migration 0109).
        Index(
            "ix_radar_attempts_merchant_declines",
            "merchant_id",
            "livemode",
            "created",
            postgresql_include=["result"],
            postgresql_where=text(DECLINED_WHERE),
            sqlite_where=text(DECLINED_WHERE),
        ),
        CheckConstraint("result IN ('authorized', 'declined', 'blocked')", name="result"),
    )

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    created: Mapped[int] = mapped_column(BigInteger)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    payment_intent_id: Mapped[str] = mapped_column(String(64))
    charge_id: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    # The payment's browser (the hash of its `lynk_browser` binding: Link, or a card typed on Lynk's page or
    # element) and a Link payment's account.
    device: Mapped[str | None] = mapped_column(String(64))
    link_account: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))
    risk_score: Mapped[int] = mapped_column(Integer)
    # The rule attributes as they were, so `POST /v1/radar/rules/test` can replay a predicate on them.
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    # Set when the charge is later reported as fraud: `dispute`, `early_fraud_warning` or `user_report`.
    fraud_report: Mapped[str | None] = mapped_column(String(32))


class RadarRule(ScopedObject, Base):
    """A merchant's rule, `{action} if {predicate}`; a row with `builtin` set and `deleted` turns a default off."""

    __tablename__ = "radar_rules"
    __table_args__ = (
        Index("ix_radar_rules_scope_created", "merchant_id", "livemode", "created", "pk"),
        CheckConstraint("action IN ('request_credentials', 'allow', 'block', 'review')", name="action"),
    )

    action: Mapped[str] = mapped_column(String(24))
    predicate: Mapped[str] = mapped_column(String(2000))
    builtin: Mapped[str | None] = mapped_column(String(64))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class ValueList(ScopedObject, Base):
    """`radar.value_list`: a named list rules refer to as `@alias`."""

    __tablename__ = "radar_value_lists"
    __table_args__ = (
        Index("ix_radar_value_lists_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_radar_value_lists_alias", "merchant_id", "livemode", "alias", unique=True),
    )

    alias: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    item_type: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(100))


class ValueListItem(ScopedObject, Base):
    """`radar.value_list_item`: one value of a list."""

    __tablename__ = "radar_value_list_items"
    __table_args__ = (
        Index("ix_radar_value_list_items_list", "value_list_id", "created", "pk"),
        Index("ix_radar_value_list_items_value", "value_list_id", "value", unique=True),
    )

    value_list_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(800))
    created_by: Mapped[str] = mapped_column(String(100))


class ValueListStamp(Base):
    """The version of a merchant's value lists (per mode): a new random `stamp` in the same transaction as any
    change to its lists or their items. The risk stage reads it with its windows and keeps the lists' values
    per process until it changes (random, not a counter: another database's lists never share a stamp)."""

    __tablename__ = "radar_value_list_stamps"
    __table_args__ = (UniqueConstraint("merchant_id", "livemode"),)

    pk: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    stamp: Mapped[str] = mapped_column(String(32))


class Review(ScopedObject, Base):
    """`review`: a payment a rule sent to review; it succeeded and waits for the merchant's word."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_scope_created", "merchant_id", "livemode", "created", "pk"),
        Index("ix_reviews_charge", "charge_id"),
    )

    charge_id: Mapped[str] = mapped_column(String(64))
    payment_intent_id: Mapped[str | None] = mapped_column(String(64))
    open: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(32))
    opened_reason: Mapped[str] = mapped_column(String(16))
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    ip_address: Mapped[str | None] = mapped_column(String(64))
