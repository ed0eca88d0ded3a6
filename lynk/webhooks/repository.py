"""All queries on webhook_endpoints, scoped to a merchant and mode."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import WebhookEndpoint


def _live(scope: Scope) -> Select[Any]:
    return scoped_select(WebhookEndpoint, scope.merchant_id, scope.livemode).where(WebhookEndpoint.deleted_at.is_(None))


async def add(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    session.add(endpoint)
    await session.flush()


async def get(
    session: AsyncSession, scope: Scope, endpoint_id: str, *, for_update: bool = False
) -> WebhookEndpoint | None:
    found: WebhookEndpoint | None = await scoped_get(
        session, _live(scope), WebhookEndpoint, endpoint_id, for_update=for_update
    )
    return found


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest) -> Page[WebhookEndpoint]:
    return await paginate(session, _live(scope), WebhookEndpoint, page, object_name="webhook_endpoint")
