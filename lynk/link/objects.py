"""Link objects as the consumer endpoints render them (no HTTP here)."""

from __future__ import annotations

from typing import Any

from lynk.link.accounts import export_personal, redact_email, redact_phone
from lynk.models import (
    LinkAccount,
    LinkDevice,
    LinkGrant,
    LinkMessage,
    LinkPaymentDetail,
    LinkSession,
    LinkShippingAddress,
)


def account_object(account: LinkAccount, *, full: bool) -> dict[str, Any]:
    """The shopper's own view (`full`, with a verified session) or the redacted one a lookup shows."""
    if full:
        return {"object": "link.account", **export_personal(account)}
    return {
        "object": "link.account",
        "redacted_email": redact_email(account.email),
        "redacted_phone": redact_phone(account.phone),
    }


def session_object(row: LinkSession, account: LinkAccount, secret: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "object": "link.consumer_session",
        "created": row.created,
        "livemode": row.livemode,
        "status": row.status,
        "verified_at": row.verified_at,
        "redacted_email": redact_email(account.email),
        "redacted_phone": redact_phone(account.phone),
        "expires_after_idle": None,
    }
    if secret is not None:
        body["client_secret"] = secret
    return body


def detail_object(row: LinkPaymentDetail) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "object": "link.payment_detail",
        "created": row.created,
        "livemode": row.livemode,
        "type": row.type,
        "is_default": row.is_default,
        "nickname": row.nickname,
        "billing_details": row.billing_details,
        "card": None,
        "us_bank_account": None,
    }
    if row.type == "us_bank_account":  # the last four digits and the bank, never the numbers
        body["us_bank_account"] = {
            "bank_name": row.bank_name,
            "last4": row.last4,
            "account_type": row.account_type,
            "account_holder_type": row.account_holder_type,
        }
    else:
        body["card"] = {
            "brand": row.brand,
            "last4": row.last4,
            "exp_month": row.exp_month,
            "exp_year": row.exp_year,
            "funding": row.funding,
            "country": row.country,
        }
    return body


def shipping_address_object(row: LinkShippingAddress) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": "link.shipping_address",
        "created": row.created,
        "livemode": row.livemode,
        "is_default": row.is_default,
        "name": row.name,
        "phone": row.phone,
        "address": row.address,
    }


def grant_object(row: LinkGrant) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": "link.grant",
        "created": row.created,
        "livemode": row.livemode,
        "merchant": row.merchant_id,
        "payment_method": row.payment_method_id,
        "payment_detail": row.payment_detail_id,
        "off_session": row.off_session,
        "status": row.status,
        "revoked_at": row.revoked_at,
        "last_used": row.last_used,
    }


def device_object(row: LinkDevice) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": "link.device",
        "created": row.created,
        "livemode": row.livemode,
        "label": row.label,
        "last_verified": row.last_verified,
        "expires": row.expires,
        "logged_out": row.revoked_at is not None,
    }


def message_object(row: LinkMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": "link.test_message",
        "created": row.created,
        "channel": row.channel,
        "to": row.to,
        "code": row.code,
        "body": row.body,
    }
