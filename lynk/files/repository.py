"""All queries on files; every one is scoped to a merchant and mode."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import FileUpload


async def add(session: AsyncSession, row: FileUpload) -> None:
    session.add(row)
    await session.flush()


async def get(session: AsyncSession, scope: Scope, file_id: str, *, content: bool = False) -> FileUpload | None:
    stmt = scoped_select(FileUpload, scope.merchant_id, scope.livemode)
    if content:
        stmt = stmt.options(undefer(FileUpload.content))
    found: FileUpload | None = await scoped_get(session, stmt, FileUpload, file_id)
    return found


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest, *, purpose: str | None) -> Page[FileUpload]:
    stmt = scoped_select(FileUpload, scope.merchant_id, scope.livemode)
    if purpose:
        stmt = stmt.where(FileUpload.purpose == purpose)
    return await paginate(session, stmt, FileUpload, page, object_name="file")
