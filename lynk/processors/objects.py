"""The `lynk.processor` object: what a processor account shows. Never its credential.

`health` is this serving process's view (`lynk.processors.health`); the command line, another process,
has none to show."""

from __future__ import annotations

from typing import Any

from lynk.models import ProcessorAccount
from lynk.processors.health import BOARD


def processor_object(account: ProcessorAccount, *, health: bool = True) -> dict[str, Any]:
    return {
        "id": account.id,
        "object": "lynk.processor",
        "kind": account.kind,
        "name": account.name,
        "api_base": account.api_base,
        "livemode": account.livemode,
        "priority": account.priority,
        "routing": account.rules,
        "webhook_url_path": f"/hooks/processors/{account.id}",
        "created": account.created,
        **({"health": BOARD.report(account.id)} if health else {}),
    }
