"""SQLAlchemy ORM models, one file per aggregate. Importing this package registers them all."""

from lynk.models.bank import BankDebit, BankDebitStatus, VaultBankAccount
from lynk.models.checkout import CheckoutLineItem, CheckoutPaymentStatus, CheckoutSession, CheckoutSessionStatus
from lynk.models.customer import Customer
from lynk.models.dashboard import DashboardAuditEntry, DashboardSession, DashboardSignInLink, DashboardUser
from lynk.models.dispute import Dispute, DisputeStatus, EarlyFraudWarning
from lynk.models.event import Event
from lynk.models.file import FileUpload
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
    LinkSource,
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
from lynk.models.processor import ProcessorAccount, ProcessorAttempt, ProcessorBreaker, ProcessorCall
from lynk.models.product import Price, Product
from lynk.models.radar import RadarRule, Review, RiskAttempt, ValueList, ValueListItem, ValueListStamp
from lynk.models.setup_intent import (
    Mandate,
    MandateStatus,
    SetupAttempt,
    SetupAttemptStatus,
    SetupIntent,
    SetupIntentStatus,
)
from lynk.models.test_clock import TestClock
from lynk.models.vault import VaultCard, VaultSecret
from lynk.models.webhook import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AccountKind",
    "ApiKey",
    "BalanceStatus",
    "BalanceTransaction",
    "BankDebit",
    "BankDebitStatus",
    "Charge",
    "ChargeStatus",
    "CheckoutLineItem",
    "CheckoutPaymentStatus",
    "CheckoutSession",
    "CheckoutSessionStatus",
    "ConnectorCall",
    "Customer",
    "DashboardAuditEntry",
    "DashboardSession",
    "DashboardSignInLink",
    "DashboardUser",
    "DeliveryStatus",
    "Dispute",
    "DisputeStatus",
    "EarlyFraudWarning",
    "Event",
    "FileUpload",
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
    "LinkSource",
    "Mandate",
    "MandateStatus",
    "Merchant",
    "PaymentIntent",
    "PaymentIntentStatus",
    "PaymentMethod",
    "Posting",
    "Price",
    "ProcessorAccount",
    "ProcessorAttempt",
    "ProcessorBreaker",
    "ProcessorCall",
    "Product",
    "RadarRule",
    "Refund",
    "RefundStatus",
    "Review",
    "RiskAttempt",
    "SetupAttempt",
    "SetupAttemptStatus",
    "SetupIntent",
    "SetupIntentStatus",
    "TestClock",
    "ValueList",
    "ValueListItem",
    "ValueListStamp",
    "VaultBankAccount",
    "VaultCard",
    "VaultSecret",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
