"""Sign a payload exactly as Stripe does, so `stripe.Webhook.construct_event` verifies it.

Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>[,v1=<with an older secret>]
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence


def signature(secret: str, payload: bytes, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], payload: bytes, timestamp: int) -> str:
    """The header value; during a secret roll, both the new and the old secret sign."""
    parts = [f"t={timestamp}"] + [f"v1={signature(secret, payload, timestamp)}" for secret in secrets]
    return ",".join(parts)
