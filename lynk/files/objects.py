"""A file as Stripe renders it (`object: file`)."""

from __future__ import annotations

from typing import Any

from lynk.models import FileUpload


def file_object(row: FileUpload) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": "file",
        "created": row.created,
        "expires_at": row.expires_at,
        "filename": row.filename,
        "links": None,  # Lynk has no file links
        "purpose": row.purpose,
        "size": row.size,
        "title": row.title,
        "type": row.type,
        "url": None,  # its bytes are not served: files are for Lynk to read (dispute evidence)
    }
