"""Request parameters of /v1/files."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import FormInt, Metadata, NestedParams, Params

Purpose = Literal["dispute_evidence"]


class FileLinkData(NestedParams):
    create: bool = False
    expires_at: FormInt | None = None
    metadata: Metadata | None = None


class CreateFile(Params):
    purpose: Purpose
    # The file part's digest (wire/uploads.py); its bytes come from the multipart body.
    file: Annotated[str, Field(max_length=100)] | None = None
    file_link_data: FileLinkData | None = None


class ListFiles(ListParams):
    purpose: Annotated[str, Field(max_length=64)] | None = None
    created: CreatedParam | None = None
