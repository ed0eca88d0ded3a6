"""Dispute evidence files from the dashboard's form (multipart/form-data, as a browser sends it): a receipt chosen
in the form becomes a `file_…` of purpose dispute_evidence named by the evidence's `receipt`, the same file the
Files API lists; a double submit uploads once; a file of another type is refused and nothing is kept."""

from __future__ import annotations

import stripe

from tests.dashboard.support import BASE, Dashboard, make_user
from tests.disputes.support import FRAUDULENT, dispute_of, pay_with_card
from tests.files.test_files import PDF, files_client
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


def _dispute_page(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, role: str
) -> tuple[Dashboard, str, str]:
    """A browser signed in as `role`, a new dispute's id and its page."""
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, role))
    return browser, dispute.id, f"{BASE}/disputes/{dispute.id}"


def test_a_receipt_uploaded_in_the_form_is_the_disputes_evidence_once(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    browser, dispute_id, page = _dispute_page(server, merchant, client, "support")
    shown = browser.get(page).text
    assert 'enctype="multipart/form-data"' in shown and 'type="file"' in shown
    fields = {**browser.form(page, f"{page}/evidence"), "customer_name": "Jenny Rosen", "submit": "no"}
    sent = [
        browser.http.post(f"{page}/evidence", data=fields, files={"receipt": ("receipt.pdf", PDF, "application/pdf")})
        for _ in range(2)  # a double submit of the same form
    ]
    assert [r.status_code for r in sent] == [303, 303]
    evidence = client.v1.disputes.retrieve(dispute_id).evidence
    assert evidence.customer_name == "Jenny Rosen" and (evidence.receipt or "").startswith("file_")
    uploaded = files_client(server, merchant.secret_key).v1.files.list().data
    assert [(f.id, f.purpose, f.type, f.filename) for f in uploaded] == [
        (evidence.receipt, "dispute_evidence", "pdf", "receipt.pdf")
    ]
    assert "Uploaded: receipt.pdf (PDF, 1 KB)" in browser.get(page).text


def test_a_file_of_another_type_is_refused_and_nothing_kept(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    browser, dispute_id, page = _dispute_page(server, merchant, client, "admin")
    fields = {**browser.form(page, f"{page}/evidence"), "customer_name": "Not kept", "submit": "yes"}
    refused = browser.http.post(
        f"{page}/evidence", data=fields, files={"uncategorized_file": ("notes.txt", b"just text", "text/plain")}
    )
    assert refused.status_code == 400 and "must be a PDF, PNG or JPEG" in refused.text
    after = client.v1.disputes.retrieve(dispute_id)
    assert after.status == "needs_response" and after.evidence.customer_name is None
    assert files_client(server, merchant.secret_key).v1.files.list().data == []
