"""The Files API through the official SDK (`client.v1.files`, sent to the SDK's upload base, here Lynk): a dispute
evidence upload as multipart/form-data, retrieved and listed, kept to its merchant and mode; a file's type told by
its bytes; size, purpose and a missing file refused with Stripe's error shape; the file then named as evidence."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
import stripe

from lynk.files.service import MAX_FILE_BYTES
from tests.disputes.support import FRAUDULENT, dispute_of, pay_with_card
from tests.merchants.factories import MerchantKeys, make_live_keys, make_merchant
from tests.servers import LynkServer

# The smallest files of each kind the API takes (their first bytes are what count).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


def files_client(server: LynkServer, key: str) -> stripe.StripeClient:
    """The SDK sends uploads to its `files` base (files.stripe.com at Stripe): point both at Lynk."""
    return stripe.StripeClient(key, base_addresses={"api": server.base_url, "files": server.base_url})


def upload(client: stripe.StripeClient, data: bytes, name: str = "receipt.png", **extra: Any) -> stripe.File:
    handle = io.BytesIO(data)
    handle.name = name
    params: dict[str, Any] = {"purpose": "dispute_evidence", "file": handle, **extra}
    return client.v1.files.create(params=params)  # type: ignore[arg-type]


def test_a_file_is_uploaded_retrieved_and_listed(server: LynkServer, merchant: MerchantKeys) -> None:
    client = files_client(server, merchant.secret_key)
    made = upload(client, PNG, "scans/receipt.png")
    assert made.id.startswith("file_") and made.object == "file"
    assert (made.purpose, made.type, made.size, made.filename) == ("dispute_evidence", "png", len(PNG), "receipt.png")
    assert client.v1.files.retrieve(made.id).to_dict() == made.to_dict()
    pdf, jpeg = upload(client, PDF, "letter.pdf"), upload(client, JPEG, "photo.jpeg")
    assert (pdf.type, jpeg.type) == ("pdf", "jpg")
    listed = client.v1.files.list(params={"limit": 2})
    assert [f.id for f in listed.data] == [jpeg.id, pdf.id] and listed.has_more
    rest = client.v1.files.list(params={"limit": 2, "starting_after": pdf.id, "purpose": "dispute_evidence"})
    assert [f.id for f in rest.data] == [made.id] and not rest.has_more


def test_another_merchant_or_mode_never_sees_a_file(server: LynkServer, merchant: MerchantKeys) -> None:
    made = upload(files_client(server, merchant.secret_key), PDF, "a.pdf")
    other = files_client(server, make_merchant(server).secret_key)
    live = files_client(server, make_live_keys(server, merchant.id)[0])
    for client in (other, live):
        with pytest.raises(stripe.InvalidRequestError) as missing:
            client.v1.files.retrieve(made.id)
        assert missing.value.http_status == 404 and missing.value.param == "id"
        assert client.v1.files.list().data == []


@pytest.mark.parametrize(
    ("data", "purpose", "param", "code"),
    [
        (b"GIF89a" + bytes(16), "dispute_evidence", "file", "file_type_not_allowed"),
        (b"%PDF-" + bytes(MAX_FILE_BYTES), "dispute_evidence", "file", "file_too_large"),
        (b"", "dispute_evidence", "file", "parameter_invalid"),
        (PNG, "business_logo", "purpose", None),
    ],
)
def test_bad_uploads_are_refused_with_the_param(
    server: LynkServer, merchant: MerchantKeys, data: bytes, purpose: str, param: str, code: str | None
) -> None:
    client = files_client(server, merchant.secret_key)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        upload(client, data, purpose=purpose)
    assert refused.value.http_status == 400 and refused.value.param == param
    if code:
        assert refused.value.code == code


def test_a_body_without_a_file_or_far_too_large_is_refused(server: LynkServer, merchant: MerchantKeys) -> None:
    auth = {"Authorization": f"Bearer {merchant.secret_key}"}
    no_file = httpx.post(f"{server.base_url}/v1/files", data={"purpose": "dispute_evidence"}, headers=auth)
    assert no_file.status_code == 400 and no_file.json()["error"]["param"] == "file"
    as_form = httpx.post(
        f"{server.base_url}/v1/files", files={"purpose": (None, "dispute_evidence")}, headers=auth, timeout=30
    )
    assert as_form.status_code == 400 and as_form.json()["error"]["param"] == "file"
    huge = httpx.post(
        f"{server.base_url}/v1/files",
        files={"file": ("big.pdf", b"%PDF-" + bytes(MAX_FILE_BYTES * 2))},
        data={"purpose": "dispute_evidence"},
        headers=auth,
        timeout=30,
    )
    assert huge.status_code == 413
    assert all(f.size < MAX_FILE_BYTES for f in files_client(server, merchant.secret_key).v1.files.list().data)


def test_an_uploaded_file_is_dispute_evidence_and_an_unknown_one_is_refused(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    client = files_client(server, merchant.secret_key)
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    receipt = upload(client, PDF, "receipt.pdf")
    updated = client.v1.disputes.update(dispute.id, params={"evidence": {"receipt": receipt.id}, "submit": False})
    assert updated.evidence.receipt == receipt.id and updated.evidence_details.has_evidence
    theirs = upload(files_client(server, make_merchant(server).secret_key), PDF)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_file": theirs.id}, "submit": False})
    assert refused.value.http_status == 404 and refused.value.param == "evidence[uncategorized_file]"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary given"),
        ("multipart/form-data; boundary=x", b"--x\r\nnot a part\r\n--x--"),
        ("multipart/form-data; boundary=x", b"garbage without the boundary"),
        ("application/x-www-form-urlencoded", b"purpose=dispute_evidence&file=upload%3Aabc"),
        ("application/json", b'{"purpose": "dispute_evidence"}'),
    ],
)
def test_malformed_bodies_are_refused_not_failed(
    server: LynkServer, merchant: MerchantKeys, content_type: str, body: bytes
) -> None:
    answer = httpx.post(
        f"{server.base_url}/v1/files",
        content=body,
        headers={"Authorization": f"Bearer {merchant.secret_key}", "Content-Type": content_type},
    )
    assert answer.status_code == 400 and answer.json()["error"]["type"] == "invalid_request_error"


def test_two_files_in_one_upload_are_refused(server: LynkServer, merchant: MerchantKeys) -> None:
    answer = httpx.post(
        f"{server.base_url}/v1/files",
        files=[("file", ("a.pdf", PDF)), ("file", ("b.pdf", PDF))],
        data={"purpose": "dispute_evidence"},
        headers={"Authorization": f"Bearer {merchant.secret_key}"},
    )
    assert answer.status_code == 400
    assert files_client(server, merchant.secret_key).v1.files.list().data == []


def test_the_openapi_document_describes_the_upload_as_multipart(server: LynkServer) -> None:
    document = httpx.get(f"{server.base_url}/openapi.json").json()
    body = document["paths"]["/v1/files"]["post"]["requestBody"]["content"]
    schema = body["multipart/form-data"]["schema"]
    assert list(body) == ["multipart/form-data"] and set(schema["required"]) == {"purpose", "file"}
    assert schema["properties"]["file"] == {"type": "string", "format": "binary"}


def test_the_sdks_global_upload_base_reaches_lynk(server: LynkServer, merchant: MerchantKeys) -> None:
    """`stripe.File.create` with `stripe.upload_api_base` (the SDK's older, global style), restored after."""
    saved = (stripe.api_key, stripe.api_base, stripe.upload_api_base)
    stripe.api_key, stripe.api_base, stripe.upload_api_base = merchant.secret_key, server.base_url, server.base_url
    try:
        handle = io.BytesIO(JPEG)
        handle.name = "photo.jpg"
        made = stripe.File.create(purpose="dispute_evidence", file=handle)
        assert made.type == "jpg" and stripe.File.retrieve(made.id).filename == "photo.jpg"
    finally:
        stripe.api_key, stripe.api_base, stripe.upload_api_base = saved
