"""Request parameters of disputes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from lynk.disputes.objects import EVIDENCE_FIELDS
from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import Metadata, NestedParams, Params, Unsettable

Id = Annotated[str, Field(min_length=1, max_length=255)]
EvidenceText = Unsettable[Annotated[str, Field(max_length=20_000)]]


class EvidenceParams(NestedParams):
    access_activity_log: EvidenceText = None
    billing_address: EvidenceText = None
    cancellation_policy: EvidenceText = None
    cancellation_policy_disclosure: EvidenceText = None
    cancellation_rebuttal: EvidenceText = None
    customer_communication: EvidenceText = None
    customer_email_address: EvidenceText = None
    customer_name: EvidenceText = None
    customer_purchase_ip: EvidenceText = None
    customer_signature: EvidenceText = None
    duplicate_charge_documentation: EvidenceText = None
    duplicate_charge_explanation: EvidenceText = None
    duplicate_charge_id: EvidenceText = None
    product_description: EvidenceText = None
    receipt: EvidenceText = None
    refund_policy: EvidenceText = None
    refund_policy_disclosure: EvidenceText = None
    refund_refusal_explanation: EvidenceText = None
    service_date: EvidenceText = None
    service_documentation: EvidenceText = None
    shipping_address: EvidenceText = None
    shipping_carrier: EvidenceText = None
    shipping_date: EvidenceText = None
    shipping_documentation: EvidenceText = None
    shipping_tracking_number: EvidenceText = None
    uncategorized_file: EvidenceText = None
    uncategorized_text: EvidenceText = None

    def given(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in EVIDENCE_FIELDS if name in self.model_fields_set}


class UpdateDispute(Params):
    evidence: EvidenceParams | None = None
    metadata: Metadata | None = None
    submit: bool | None = None


class ListDisputes(ListParams):
    charge: Id | None = None
    payment_intent: Id | None = None
    created: CreatedParam | None = None
