"""The dispute object as Stripe renders it (no HTTP here, so services can snapshot it for events)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lynk.ledger.objects import balance_transaction_object
from lynk.models import BalanceTransaction, Dispute

EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
# The fields that name a file uploaded with `purpose=dispute_evidence` (`file_…`), as in Stripe's API.
EVIDENCE_FILE_FIELDS = (
    "cancellation_policy",
    "customer_communication",
    "customer_signature",
    "duplicate_charge_documentation",
    "receipt",
    "refund_policy",
    "service_documentation",
    "shipping_documentation",
    "uncategorized_file",
)


def dispute_object(dispute: Dispute, transactions: Sequence[BalanceTransaction], *, now: int) -> dict[str, Any]:
    evidence: dict[str, Any] = {name: dispute.evidence.get(name) for name in EVIDENCE_FIELDS}
    evidence["enhanced_evidence"] = {}
    return {
        "id": dispute.id,
        "object": "dispute",
        "amount": dispute.amount,
        "balance_transactions": [balance_transaction_object(t) for t in transactions],
        "charge": dispute.charge_id,
        "created": dispute.created,
        "currency": dispute.currency,
        "enhanced_eligibility_types": [],
        "evidence": evidence,
        "evidence_details": {
            "due_by": dispute.due_by,
            "enhanced_eligibility": {},
            "has_evidence": any(dispute.evidence.get(name) for name in EVIDENCE_FIELDS),
            "past_due": now > dispute.due_by and dispute.status in ("needs_response", "warning_needs_response"),
            "submission_count": dispute.submission_count,
        },
        "is_charge_refundable": dispute.status.startswith("warning_"),
        "livemode": dispute.livemode,
        "metadata": dict(dispute.metadata_),
        "network_reason_code": dispute.network_reason_code,
        "payment_intent": dispute.payment_intent_id,
        "payment_method_details": dispute.payment_method_details,
        "reason": dispute.reason,
        "status": str(dispute.status),
    }
