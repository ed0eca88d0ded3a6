"""The Link network: shopper accounts, one-time codes, consumer sessions, saved details, grants.

Accounts belong to a mode, not to a merchant: a test-mode shopper is recognised at every
merchant of the network in test mode. Sessions, codes, messages and grants carry the
merchant where they were made, since everything a merchant can see is scoped to it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lynk.core.db import Base
from lynk.models.base import JsonDoc, PublicObject


class LinkSessionStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    LOGGED_OUT = "logged_out"


class LinkCodeStatus(StrEnum):
    ACTIVE = "active"
    SPENT = "spent"
    BURNED = "burned"  # too many wrong tries
    SUPERSEDED = "superseded"  # a newer code was sent to the same session


class LinkGrantStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class LinkAccount(PublicObject, Base):
    """One shopper in one mode, keyed by normalised email."""

    __tablename__ = "link_accounts"
    __table_args__ = (UniqueConstraint("livemode", "email"),)

    livemode: Mapped[bool]
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    # Consecutive wrong codes across all sessions; reaching the limit locks verification until `locked_until`.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[int | None] = mapped_column(BigInteger)
    signup_merchant_id: Mapped[str | None] = mapped_column(String(64))


class LinkSession(PublicObject, Base):
    """A consumer session: made by a lookup at one merchant, bound to that merchant, mode and browser."""

    __tablename__ = "link_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('unverified', 'verified', 'logged_out')", name="status"),
        Index("ix_link_sessions_account", "account_id", "status"),
    )

    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    account_id: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    verified_at: Mapped[int | None] = mapped_column(BigInteger)
    last_used: Mapped[int] = mapped_column(BigInteger)
    lookup_at: Mapped[int] = mapped_column(BigInteger)
    # Verified from a new device and a new IP address (link/step_up.py): `required` until the shopper
    # confirms a second code, then `passed`; None for a familiar source.
    step_up: Mapped[str | None] = mapped_column(String(16), default=None)


class LinkCode(PublicObject, Base):
    """A one-time code, kept only as a keyed hash (HMAC), for one session."""

    __tablename__ = "link_codes"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'spent', 'burned', 'superseded')", name="status"),
        CheckConstraint("channel IN ('sms', 'email')", name="channel"),
        Index("ix_link_codes_session", "session_id", "status"),
        Index("ix_link_codes_account_created", "account_id", "created"),
        Index("ix_link_codes_channel_created", "livemode", "channel", "created"),  # the monthly SMS budget
    )

    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    account_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))


class LinkMessage(PublicObject, Base):
    """A message that test mode stored instead of sending (readable through the test helper)."""

    __tablename__ = "link_messages"
    __table_args__ = (Index("ix_link_messages_scope_to", "merchant_id", "livemode", "to", "created", "pk"),)

    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    channel: Mapped[str] = mapped_column(String(8))
    to: Mapped[str] = mapped_column(String(254))
    code: Mapped[str] = mapped_column(String(6))
    body: Mapped[str] = mapped_column(Text)


class LinkPaymentDetail(PublicObject, Base):
    """A card or US bank account the shopper saved: sealed in the vault (its own copy), its safe facts here.

    A `card` detail has `vault_card_id` and the card's facts; a `us_bank_account` detail has
    `vault_bank_account_id`, `bank_name`, `account_type` and `account_holder_type`.
    """

    __tablename__ = "link_payment_details"
    __table_args__ = (
        CheckConstraint(
            "(type = 'card' AND vault_card_id IS NOT NULL AND vault_bank_account_id IS NULL) OR "
            "(type = 'us_bank_account' AND vault_bank_account_id IS NOT NULL AND vault_card_id IS NULL)",
            name="funding",
        ),
        UniqueConstraint("account_id", "fingerprint"),
        Index("ix_link_payment_details_account", "account_id", "created", "pk"),
    )

    livemode: Mapped[bool]
    account_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    vault_card_id: Mapped[str | None] = mapped_column(String(64))
    vault_bank_account_id: Mapped[str | None] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(32))
    brand: Mapped[str | None] = mapped_column(String(16))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int | None] = mapped_column(Integer)
    exp_year: Mapped[int | None] = mapped_column(Integer)
    funding: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    account_type: Mapped[str | None] = mapped_column(String(16))
    account_holder_type: Mapped[str | None] = mapped_column(String(16))
    nickname: Mapped[str | None] = mapped_column(String(100))
    billing_details: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class LinkShippingAddress(PublicObject, Base):
    __tablename__ = "link_shipping_addresses"
    __table_args__ = (Index("ix_link_shipping_addresses_account", "account_id", "created", "pk"),)

    livemode: Mapped[bool]
    account_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class LinkGrant(PublicObject, Base):
    """A merchant's `link` PaymentMethod for a shopper: what it may charge, and whether off session."""

    __tablename__ = "link_grants"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'revoked')", name="status"),
        Index("ix_link_grants_account", "account_id", "created", "pk"),
    )

    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    account_id: Mapped[str] = mapped_column(String(64))
    payment_method_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The detail chosen at payment; None once it is removed (the grant then follows the default).
    payment_detail_id: Mapped[str | None] = mapped_column(String(64))
    off_session: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)
    last_used: Mapped[int | None] = mapped_column(BigInteger)
    # When the paying session's lookup happened, until the first payment succeeds (for the metrics).
    lookup_at: Mapped[int | None] = mapped_column(BigInteger)


class LinkDevice(PublicObject, Base):
    """A browser the shopper chose to remember after a verified login ("remember me")."""

    __tablename__ = "link_devices"
    __table_args__ = (Index("ix_link_devices_account", "account_id", "created", "pk"),)

    livemode: Mapped[bool]
    account_id: Mapped[str] = mapped_column(String(64))
    browser_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    last_verified: Mapped[int] = mapped_column(BigInteger)
    expires: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)


class LinkSource(Base):
    """A browser binding or an IP address an account was verified from (hashed with the account id):
    what makes a later verification familiar (see link/step_up.py)."""

    __tablename__ = "link_sources"
    __table_args__ = (
        UniqueConstraint("account_id", "kind", "value_hash"),
        Index("ix_link_sources_last_seen", "last_seen"),  # the upkeep's pruning (link/step_up.py)
    )

    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # browser, ip
    value_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[int] = mapped_column(BigInteger)
    last_seen: Mapped[int] = mapped_column(BigInteger)


class LinkMetricEvent(Base):
    """One countable step of the network at a merchant (a lookup, a recognised shopper, a Link payment…)."""

    __tablename__ = "link_metric_events"
    __table_args__ = (Index("ix_link_metric_events_scope", "merchant_id", "livemode", "created"),)

    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    kind: Mapped[str] = mapped_column(String(32))
    created: Mapped[int] = mapped_column(BigInteger)
    # For a payment: seconds from the session's lookup to the payment.
    seconds: Mapped[int | None] = mapped_column(BigInteger)


class LinkHeldSignup(Base):
    """A shopper's opt-in kept while its payment waits for 3-D Secure; used or dropped when that ends."""

    __tablename__ = "link_held_signups"
    __table_args__ = (Index("ix_link_held_signups_created", "created"),)  # the upkeep purge

    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    payment_intent_id: Mapped[str] = mapped_column(String(64), unique=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool]
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    created: Mapped[int] = mapped_column(BigInteger)
