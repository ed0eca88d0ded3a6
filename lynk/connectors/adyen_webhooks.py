"""Adyen's standard notifications (webhooks), verified and told in Stripe's event shapes.

Adyen signs each notification item, not the request: `additionalData.hmacSignature` is the Base64
HMAC-SHA256, under the HMAC key (hex, from the Customer Area), of the item's fields joined by `:` in
Adyen's documented order: pspReference, originalReference, merchantAccountCode, merchantReference,
amount.value, amount.currency, eventCode, success (an absent field is an empty string).

A verified item becomes the Stripe event Lynk's inbound hook applies (`lynk.payments.processor_hooks`);
references are the connector's (`{pspReference}:{CURRENCY}`, the payment's being `originalReference`):

    CHARGEBACK (success true)      charge.dispute.created  {payment_intent, reason, status: needs_response}
    NOTIFICATION_OF_CHARGEBACK     charge.dispute.created  {…, status: warning_needs_response}
    REFUND, REFUND_FAILED          charge.refund.updated   {id, payment_intent, amount, status: succeeded|failed}
    CAPTURE, CAPTURE_FAILED        lynk.adyen.capture      {payment_intent, amount, status: succeeded|failed}
    anything else                  lynk.adyen.{eventCode}  (acknowledged, not applied)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from lynk.connectors.adyen_codes import dispute_reason
from lynk.connectors.protocol import WebhookRejected

SIGNED_FIELDS = (
    "pspReference",
    "originalReference",
    "merchantAccountCode",
    "merchantReference",
    "amount.value",
    "amount.currency",
    "eventCode",
    "success",
)


def _field(item: dict[str, Any], name: str) -> str:
    value: Any = item
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def signature(item: dict[str, Any], hmac_key: str) -> str:
    """The Base64 HMAC-SHA256 Adyen puts in an item's `additionalData.hmacSignature`."""
    try:
        key = binascii.unhexlify(hmac_key)
    except (binascii.Error, ValueError):
        raise WebhookRejected("the HMAC key is not hexadecimal") from None
    message = ":".join(_field(item, name) for name in SIGNED_FIELDS)
    return base64.b64encode(hmac.new(key, message.encode(), hashlib.sha256).digest()).decode()


def _items(payload: bytes) -> list[dict[str, Any]]:
    try:
        body = json.loads(payload)
        wrapped = body["notificationItems"]
        items = [entry["NotificationRequestItem"] for entry in wrapped]
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected("not an Adyen notification") from None
    if not items or not all(isinstance(item, dict) for item in items):
        raise WebhookRejected("a notification with no item")
    return items


def verify_notification(payload: bytes, _header: str, hmac_key: str) -> dict[str, Any]:
    """The Stripe-shaped event of a notification whose every item's HMAC verifies; `WebhookRejected`
    otherwise. Adyen's JSON webhooks carry one item; the first is the one applied."""
    items = _items(payload)
    for item in items:
        given = str((item.get("additionalData") or {}).get("hmacSignature") or "")
        if not given or not hmac.compare_digest(given, signature(item, hmac_key)):
            raise WebhookRejected("the notification's HMAC signature does not verify")
    return as_event(items[0])


def as_event(item: dict[str, Any]) -> dict[str, Any]:
    code = str(item.get("eventCode") or "")
    success = str(item.get("success") or "").lower() == "true"
    currency = _field(item, "amount.currency").upper()
    amount = int(_field(item, "amount.value") or 0)
    payment = f"{item.get('originalReference') or ''}:{currency}"
    extra = item.get("additionalData") or {}
    base = {"id": f"adyen_{item.get('pspReference')}_{code}", "object": "event", "livemode": None}
    if code in ("CHARGEBACK", "NOTIFICATION_OF_CHARGEBACK") and success:
        status = "needs_response" if code == "CHARGEBACK" else "warning_needs_response"
        dispute = {
            "object": "dispute",
            "payment_intent": payment,
            "amount": amount,
            "reason": dispute_reason(extra.get("chargebackReasonCode")),
            "status": status,
        }
        return {**base, "type": "charge.dispute.created", "data": {"object": dispute}}
    if code in ("REFUND", "REFUND_FAILED"):
        failed = code == "REFUND_FAILED" or not success
        refund = {
            "object": "refund",
            "id": str(item.get("pspReference") or ""),
            "payment_intent": payment,
            "amount": amount,
            "status": "failed" if failed else "succeeded",
            **({"failure_reason": str(item.get("reason") or "unknown")} if failed else {}),
        }
        return {**base, "type": "charge.refund.updated", "data": {"object": refund}}
    if code in ("CAPTURE", "CAPTURE_FAILED"):
        failed = code == "CAPTURE_FAILED" or not success
        capture = {"payment_intent": payment, "amount": amount, "status": "failed" if failed else "succeeded"}
        return {**base, "type": "lynk.adyen.capture", "data": {"object": capture}}
    return {**base, "type": f"lynk.adyen.{code.lower()}", "data": {"object": dict(item)}}
