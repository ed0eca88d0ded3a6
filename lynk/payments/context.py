"""What every payments use case needs: the transaction, the scope, the vault keyring, the connector."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.connectors import Connector
from lynk.core.scope import Scope
from lynk.vault.keyring import Keyring


@dataclass
class PaymentContext:
    session: AsyncSession
    scope: Scope
    keyring: Keyring
    connector: Connector
    now: int
    public_url: str
