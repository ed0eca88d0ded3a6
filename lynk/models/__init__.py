"""SQLAlchemy ORM models, one file per aggregate. Importing this package registers them all."""

from lynk.models.customer import Customer
from lynk.models.event import Event
from lynk.models.idempotency import IdempotencyKey, IdempotencyStatus
from lynk.models.ledger import AccountKind, BalanceStatus, BalanceTransaction, JournalEntry, LedgerAccount, Posting
from lynk.models.merchant import ApiKey, KeyKind, Merchant
from lynk.models.payment import (
    Charge,
    ChargeStatus,
    ConnectorCall,
    PaymentIntent,
    PaymentIntentStatus,
    Refund,
    RefundStatus,
)
from lynk.models.payment_method import PaymentMethod
from lynk.models.vault import VaultCard, VaultSecret
from lynk.models.webhook import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AccountKind",
    "ApiKey",
    "BalanceStatus",
    "BalanceTransaction",
    "Charge",
    "ChargeStatus",
    "ConnectorCall",
    "Customer",
    "DeliveryStatus",
    "Event",
    "IdempotencyKey",
    "IdempotencyStatus",
    "JournalEntry",
    "KeyKind",
    "LedgerAccount",
    "Merchant",
    "PaymentIntent",
    "PaymentIntentStatus",
    "PaymentMethod",
    "Posting",
    "Refund",
    "RefundStatus",
    "VaultCard",
    "VaultSecret",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
