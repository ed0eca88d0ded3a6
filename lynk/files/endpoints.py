"""HTTP handlers for /v1/files: upload (multipart/form-data, as Stripe's SDKs send it), retrieve, list."""

from __future__ import annotations

from typing import Any

from lynk.core.errors import ParameterInvalid
from lynk.files import service
from lynk.files.errors import FileMissing
from lynk.files.objects import file_object
from lynk.files.schemas import CreateFile, ListFiles
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter
from lynk.wire.uploads import uploads_of

routes = StripeRouter(tags=["Files"])


@routes.post("/v1/files", params=CreateFile, summary="Create a file", uploads=True)
async def create_file(call: ApiCall, params: CreateFile) -> dict[str, Any]:
    upload = uploads_of(call.request).get("file")
    if upload is None:
        raise FileMissing()
    if params.file_link_data is not None and params.file_link_data.create:
        raise ParameterInvalid("Lynk has no file links: file_link_data[create] must be false.", param="file_link_data")
    row = await service.create(
        call.session, call.scope, purpose=params.purpose, data=upload.data, filename=upload.filename, now=call.now
    )
    return file_object(row)


@routes.get("/v1/files/{id}", params=NoParams, summary="Retrieve a file")
async def retrieve_file(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return file_object(await service.get(call.session, call.scope, call.path["id"]))


@routes.get("/v1/files", params=ListFiles, summary="List all files")
async def list_files(call: ApiCall, params: ListFiles) -> dict[str, Any]:
    page = await service.list_page(call.session, call.scope, params.page(params.created), purpose=params.purpose)
    return list_object("/v1/files", [file_object(f) for f in page.items], page.has_more)
