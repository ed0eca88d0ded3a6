"""Merchants with keys, made through the merchants service on the server's database."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.merchants import service
from tests.servers import LynkServer

_counter = itertools.count(1)


@dataclass(frozen=True)
class MerchantKeys:
    id: str
    secret_key: str
    publishable_key: str
    secret_key_id: str


def make_merchant(server: LynkServer, name: str | None = None) -> MerchantKeys:
    label = name or f"Test merchant {next(_counter)}"

    async def create(session: AsyncSession) -> MerchantKeys:
        merchant, keys = await service.create_merchant(session, label, now=int(server.clock.now()))
        return MerchantKeys(merchant.id, keys.secret_key, keys.publishable_key, keys.secret_key_id)

    return server.write(create)


def make_live_keys(server: LynkServer, merchant_id: str) -> tuple[str, str]:
    async def create(session: AsyncSession) -> tuple[str, str]:
        keys = await service.create_keys(session, merchant_id, livemode=True, now=int(server.clock.now()))
        return keys.secret_key, keys.publishable_key

    return server.write(create)


def revoke(server: LynkServer, key_id: str) -> None:
    async def run(session: AsyncSession) -> None:
        await service.revoke_key(session, key_id, now=int(server.clock.now()))

    server.write(run)
