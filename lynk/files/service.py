"""Files: an upload checked (size, and a type told by its bytes, not by its name) and kept in the database; read
back by id or listed, always within the merchant's mode. Other domains check a file id through `evidence_file`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.files import repository
from lynk.files.errors import FileEmpty, FileNotFound, FileTooLarge, FileTypeNotAllowed, WrongPurpose
from lynk.models import FileUpload

MAX_FILE_BYTES = 5 * 1024 * 1024  # Stripe's limit for dispute evidence
# A multipart body holding one such file and its few fields (api/body_limit.py lets it through).
MAX_UPLOAD_BODY_BYTES = MAX_FILE_BYTES + 64 * 1024
DISPUTE_EVIDENCE = "dispute_evidence"
PURPOSES = (DISPUTE_EVIDENCE,)
# Each type by the bytes it starts with.
_MAGIC = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",)}
ALLOWED = {DISPUTE_EVIDENCE: ("pdf", "png", "jpg")}


def file_type(data: bytes) -> str | None:
    return next((kind for kind, starts in _MAGIC.items() if data.startswith(starts)), None)


async def create(
    session: AsyncSession,
    scope: Scope,
    *,
    purpose: str,
    data: bytes,
    filename: str | None,
    title: str | None = None,
    now: int,
) -> FileUpload:
    if not data:
        raise FileEmpty()
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(MAX_FILE_BYTES)
    kind = file_type(data)
    if kind not in ALLOWED[purpose]:
        raise FileTypeNotAllowed(purpose, "a PDF, PNG or JPEG")
    row = FileUpload(
        id=new_id("file"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        purpose=purpose,
        filename=(filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255] or None,
        title=title,
        type=kind,
        size=len(data),
        expires_at=None,
        content=data,
    )
    await repository.add(session, row)
    return row


async def get(session: AsyncSession, scope: Scope, file_id: str, *, param: str = "id") -> FileUpload:
    found = await repository.get(session, scope, file_id)
    if found is None:
        raise FileNotFound(file_id, param=param)
    return found


async def content(session: AsyncSession, scope: Scope, file_id: str) -> FileUpload:
    """The file with its bytes loaded."""
    found = await repository.get(session, scope, file_id, content=True)
    if found is None:
        raise FileNotFound(file_id)
    return found


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest, *, purpose: str | None) -> Page[FileUpload]:
    return await repository.list_page(session, scope, page, purpose=purpose)


async def evidence_file(session: AsyncSession, scope: Scope, file_id: str, *, param: str) -> FileUpload:
    """A file the merchant uploaded as dispute evidence, named by a dispute's evidence field `param`."""
    found = await get(session, scope, file_id, param=param)
    if found.purpose != DISPUTE_EVIDENCE:
        raise WrongPurpose(file_id, found.purpose, param)
    return found
