"""`multipart/form-data` bodies, for the routes that take a file (`POST /v1/files`, as Stripe's SDKs send it).

Text fields decode as a form body does (`file_link_data[create]=true` nests); each file part becomes an
`Upload`, and its parameter holds `upload:<sha256>` instead, so an idempotency fingerprint covers the file's
bytes without keeping them. The handler reads the files with `uploads_of(request)`. The body's size is bounded
before this runs (api/body_limit.py), one file per request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from lynk.wire.forms import MalformedBody, decode_form

MAX_FIELDS = 50


@dataclass(frozen=True)
class Upload:
    filename: str | None
    content_type: str | None
    data: bytes


def uploads_of(request: Request) -> dict[str, Upload]:
    found: dict[str, Upload] = getattr(request.state, "uploads", None) or {}
    return found


async def read_parts(request: Request, *, max_files: int) -> tuple[list[tuple[str, str]], dict[str, Upload]]:
    """The body's text fields in order, a file's standing for its digest, and its files by field name (a file
    field left empty, as a browser sends it, is no file)."""
    try:
        form = await request.form(max_files=max_files, max_fields=MAX_FIELDS)
    except (MultiPartException, ValueError) as error:
        raise MalformedBody(f"The multipart/form-data body could not be read: {error}") from None
    texts: list[tuple[str, str]] = []
    uploads: dict[str, Upload] = {}
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                if not data and not value.filename:
                    continue
                uploads[name] = Upload(value.filename, value.content_type, data)
                texts.append((name, "upload:" + hashlib.sha256(data).hexdigest()))
            else:
                texts.append((name, value))
    finally:
        await form.close()
    request.state.uploads = uploads
    return texts, uploads


async def read_multipart(request: Request, *, max_files: int = 1) -> tuple[dict[str, Any], dict[str, Upload]]:
    """(the decoded text parameters with a digest for each file, the files by parameter name)."""
    texts, uploads = await read_parts(request, max_files=max_files)
    return decode_form(urlencode(texts)), uploads
