"""SQLAlchemy ORM models, one file per aggregate. Importing this package registers them all."""

from lynk.models.customer import Customer
from lynk.models.event import Event
from lynk.models.idempotency import IdempotencyKey, IdempotencyStatus
from lynk.models.merchant import ApiKey, KeyKind, Merchant
from lynk.models.payment_method import PaymentMethod
from lynk.models.vault import VaultCard, VaultSecret

__all__ = [
    "ApiKey",
    "Customer",
    "Event",
    "IdempotencyKey",
    "IdempotencyStatus",
    "KeyKind",
    "Merchant",
    "PaymentMethod",
    "VaultCard",
    "VaultSecret",
]
