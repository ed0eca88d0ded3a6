"""The `lynk.processor` object: what a processor account shows. Never its credential.

`health` (`lynk.processors.health`, shared by every process) is shown when the caller read it
(`with_health`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models import ProcessorAccount
from lynk.processors.health import BOARD
from lynk.processors.service import DEFAULT_TIMEOUT_S


def processor_object(account: ProcessorAccount, *, health: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": account.id,
        "object": "lynk.processor",
        "kind": account.kind,
        "name": account.name,
        "api_base": account.api_base,
        "livemode": account.livemode,
        "priority": account.priority,
        "routing": account.rules,
        "timeout_ms": account.timeout_ms or int(DEFAULT_TIMEOUT_S * 1000),
        "webhook_url_path": f"/hooks/processors/{account.id}",
        "created": account.created,
        **({"health": health} if health is not None else {}),
    }


async def with_health(session: AsyncSession, account: ProcessorAccount) -> dict[str, Any]:
    return processor_object(account, health=await BOARD.report(session, account.id))
