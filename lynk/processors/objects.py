"""The `lynk.processor` object: what a processor account shows. Never its credential."""

from __future__ import annotations

from typing import Any

from lynk.models import ProcessorAccount


def processor_object(account: ProcessorAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "object": "lynk.processor",
        "kind": account.kind,
        "name": account.name,
        "api_base": account.api_base,
        "livemode": account.livemode,
        "priority": account.priority,
        "routing": account.rules,
        "created": account.created,
    }
