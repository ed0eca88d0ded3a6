"""All queries on merchants and api_keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models import ApiKey, Merchant


async def add(session: AsyncSession, *objects: Merchant | ApiKey) -> None:
    session.add_all(objects)
    await session.flush()


async def get_merchant(session: AsyncSession, merchant_id: str) -> Merchant | None:
    return (await session.scalars(select(Merchant).where(Merchant.id == merchant_id))).first()


async def find_merchant_by_name(session: AsyncSession, name: str) -> Merchant | None:
    stmt = select(Merchant).where(Merchant.name == name).order_by(Merchant.pk).limit(1)
    return (await session.scalars(stmt)).first()


async def find_key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    return (await session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash))).first()


async def get_key(session: AsyncSession, key_id: str) -> ApiKey | None:
    return (await session.scalars(select(ApiKey).where(ApiKey.id == key_id))).first()


async def list_keys(session: AsyncSession, merchant_id: str) -> list[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.merchant_id == merchant_id).order_by(ApiKey.pk)
    return list((await session.scalars(stmt)).all())
