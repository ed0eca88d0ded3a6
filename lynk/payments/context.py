"""What every payments use case needs: the transaction, the scope, the vault keyring, the connector."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.connectors import Connector, ConnectorUnavailable
from lynk.core.scope import Scope
from lynk.payments.errors import ProcessorUnavailable
from lynk.vault.keyring import Keyring


@dataclass
class PaymentContext:
    session: AsyncSession
    scope: Scope
    keyring: Keyring
    connector: Connector
    now: int
    public_url: str


R = TypeVar("R")
Q = TypeVar("Q")


async def connector_call(method: Callable[[Q], Awaitable[R]], request: Q) -> R:
    """Call the processor; no answer becomes a retryable 503 and the transaction rolls back."""
    try:
        return await method(request)
    except ConnectorUnavailable:
        raise ProcessorUnavailable() from None
