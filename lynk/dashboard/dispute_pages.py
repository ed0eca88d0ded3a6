"""Disputes: the list with due dates (those needing a response first in the eye: marked), a dispute's page, and
its evidence form, which saves a draft or submits through the disputes service (as `POST /v1/disputes/{id}`); files
chosen in the form are uploaded through the files service (as `POST /v1/files`) and named by their `file_…` id."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from lynk.core.pagination import PageRequest
from lynk.dashboard.timeline import money, when
from lynk.dashboard.web import BASE, Visit, act, form_of, next_page, pages, render, view
from lynk.disputes import service as disputes
from lynk.files import service as files
from lynk.models import Dispute
from lynk.wire.uploads import uploads_of

PAGE_SIZE = 25
NEEDS_RESPONSE = ("needs_response", "warning_needs_response")
MAX_TEXT = 20_000  # as the API's evidence fields
# The evidence the form asks for (the API takes every field of Stripe's `evidence`): text, and files (uploaded
# with the form as `POST /v1/files` with purpose `dispute_evidence` does; the field keeps the `file_…` id).
FIELDS = {
    "customer_name": "Customer name",
    "customer_email_address": "Customer email",
    "product_description": "Product or service description",
    "shipping_tracking_number": "Shipping tracking number",
    "uncategorized_text": "Anything else",
}
FILE_FIELDS = {
    "receipt": "Receipt",
    "customer_communication": "Communication with the customer",
    "shipping_documentation": "Proof of shipping or delivery",
    "uncategorized_file": "Other document",
}
NOTICES = {"saved": "The evidence is saved as a draft.", "submitted": "The evidence is submitted."}


def _summary(d: Dispute) -> dict[str, object]:
    return {
        "id": d.id,
        "amount": money(d.amount, d.currency),
        "reason": d.reason.replace("_", " "),
        "status": d.status.replace("_", " "),
        "due": when(d.due_by),
        "needs_response": d.status in NEEDS_RESPONSE,
        "payment": d.payment_intent_id or "",
    }


@pages.get(f"{BASE}/disputes")
async def dispute_list(request: Request) -> Response:
    after = request.query_params.get("after", "")[:64] or None

    async def show(visit: Visit) -> Response:
        found = await disputes.list_page(
            visit.tx.session,
            visit.scope,
            PageRequest(limit=PAGE_SIZE, starting_after=after),
            charge_id=None,
            payment_intent_id=None,
        )
        more = next_page(f"{BASE}/disputes", found)
        rows = [_summary(d) for d in found.items]
        return render(request, "disputes.html", visit=visit, section="disputes", rows=rows, more=more)

    return await view(request, "payments.read", show)


@pages.get(f"{BASE}/disputes/{{dispute_id}}")
async def dispute_page(dispute_id: str, request: Request) -> Response:
    async def show(visit: Visit) -> Response:
        dispute = await disputes.get(visit.tx.session, visit.scope, dispute_id)
        kept = []
        for name, label in FILE_FIELDS.items():
            file_id = dispute.evidence.get(name)
            found = await files.get(visit.tx.session, visit.scope, file_id) if file_id else None
            shown = f"{found.filename or found.id} ({found.type.upper()}, {_size(found.size)})" if found else ""
            kept.append((name, label, shown))
        return render(
            request,
            "dispute.html",
            visit=visit,
            section="disputes",
            dispute=_summary(dispute),
            fields=[(name, label, dispute.evidence.get(name, "")) for name, label in FIELDS.items()],
            file_fields=kept,
            max_mb=files.MAX_FILE_BYTES // (1024 * 1024),
            submissions=dispute.submission_count,
            can_respond=visit.may("disputes.respond") and dispute.status in NEEDS_RESPONSE,
            notice=NOTICES.get(request.query_params.get("done", "")),
        )

    return await view(request, "payments.read", show)


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


@pages.post(f"{BASE}/disputes/{{dispute_id}}/evidence", max_files=len(FILE_FIELDS))
async def evidence(dispute_id: str, request: Request) -> Response:
    form = form_of(request)
    given: dict[str, str | None] = {name: form[name].strip()[:MAX_TEXT] or None for name in FIELDS if name in form}
    uploads = {name: upload for name, upload in uploads_of(request).items() if name in FILE_FIELDS}
    submit = form.get("submit") == "yes"

    async def run(visit: Visit) -> str:
        for name, upload in uploads.items():
            made = await files.create(
                visit.tx.session,
                visit.scope,
                purpose=files.DISPUTE_EVIDENCE,
                data=upload.data,
                filename=upload.filename,
                now=visit.tx.now,
            )
            given[name] = made.id
        await disputes.update(
            visit.tx.session,
            visit.scope,
            dispute_id,
            evidence=given,
            metadata=None,
            submit=submit,
            review_seconds=visit.tx.runtime.settings.dispute_review_seconds,
            now=visit.tx.now,
        )
        return f"{BASE}/disputes/{dispute_id}?done={'submitted' if submit else 'saved'}"

    return await act(
        request, "disputes.respond", "submitted_evidence" if submit else "saved_evidence", run, target=dispute_id
    )
