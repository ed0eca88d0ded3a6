"""SQLAlchemy ORM models, one file per aggregate. Importing this package registers them all."""

from lynk.models.customer import Customer
from lynk.models.event import Event
from lynk.models.idempotency import IdempotencyKey, IdempotencyStatus
from lynk.models.ledger import AccountKind, BalanceStatus, BalanceTransaction, JournalEntry, LedgerAccount, Posting
from lynk.models.link import (
    LinkAccount,
    LinkCode,
    LinkCodeStatus,
    LinkDevice,
    LinkGrant,
    LinkGrantStatus,
    LinkHeldSignup,
    LinkMessage,
    LinkMetricEvent,
    LinkPaymentDetail,
    LinkSession,
    LinkSessionStatus,
    LinkShippingAddress,
)
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
from lynk.models.webhook import WebhookEndpoint

__all__ = [
    "AccountKind",
    "ApiKey",
    "BalanceStatus",
    "BalanceTransaction",
    "Charge",
    "ChargeStatus",
    "ConnectorCall",
    "Customer",
    "Event",
    "IdempotencyKey",
    "IdempotencyStatus",
    "JournalEntry",
    "KeyKind",
    "LedgerAccount",
    "LinkAccount",
    "LinkCode",
    "LinkCodeStatus",
    "LinkDevice",
    "LinkGrant",
    "LinkGrantStatus",
    "LinkHeldSignup",
    "LinkMessage",
    "LinkMetricEvent",
    "LinkPaymentDetail",
    "LinkSession",
    "LinkSessionStatus",
    "LinkShippingAddress",
    "Merchant",
    "PaymentIntent",
    "PaymentIntentStatus",
    "PaymentMethod",
    "Posting",
    "Refund",
    "RefundStatus",
    "VaultCard",
    "VaultSecret",
    "WebhookEndpoint",
]
