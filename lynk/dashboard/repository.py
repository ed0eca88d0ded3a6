"""Reading and writing the dashboard's rows (models/dashboard.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models import DashboardAuditEntry, DashboardSession, DashboardSignInLink, DashboardUser


async def user_by_email(session: AsyncSession, email: str, *, for_update: bool = False) -> DashboardUser | None:
    stmt = select(DashboardUser).where(DashboardUser.email == email)
    found: DashboardUser | None = await session.scalar(stmt.with_for_update() if for_update else stmt)
    return found


async def user_by_id(session: AsyncSession, user_id: str, *, for_update: bool = False) -> DashboardUser | None:
    stmt = select(DashboardUser).where(DashboardUser.id == user_id)
    found: DashboardUser | None = await session.scalar(stmt.with_for_update() if for_update else stmt)
    return found


async def users_of(session: AsyncSession, merchant_id: str) -> Sequence[DashboardUser]:
    stmt = select(DashboardUser).where(DashboardUser.merchant_id == merchant_id).order_by(DashboardUser.pk)
    return (await session.scalars(stmt)).all()


async def link_by_hash(session: AsyncSession, token_hash: str) -> DashboardSignInLink | None:
    stmt = select(DashboardSignInLink).where(DashboardSignInLink.token_hash == token_hash).with_for_update()
    found: DashboardSignInLink | None = await session.scalar(stmt)
    return found


async def session_by_hash(session: AsyncSession, secret_hash: str) -> DashboardSession | None:
    stmt = select(DashboardSession).where(DashboardSession.secret_hash == secret_hash)
    found: DashboardSession | None = await session.scalar(stmt)
    return found


async def audit_page(
    session: AsyncSession, merchant_id: str, *, before_pk: int | None, limit: int
) -> Sequence[DashboardAuditEntry]:
    stmt = select(DashboardAuditEntry).where(DashboardAuditEntry.merchant_id == merchant_id)
    if before_pk is not None:
        stmt = stmt.where(DashboardAuditEntry.pk < before_pk)
    return (await session.scalars(stmt.order_by(DashboardAuditEntry.pk.desc()).limit(limit))).all()
