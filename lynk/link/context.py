"""What every Link use case needs: the transaction, the merchant's scope, the vault keyring, the limits,
the clock reading, who is calling (IP, browser binding) and the work to do after commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.config import Settings
from lynk.core.scope import Scope
from lynk.link.limits import Limiter
from lynk.vault.keyring import Keyring


@dataclass
class LinkContext:
    session: AsyncSession
    scope: Scope
    keyring: Keyring
    settings: Settings
    limiter: Limiter
    now: int
    ip: str
    # The browser-binding cookie's value, if the browser sent one (see docs/link.md).
    browser: str | None
    # The signed trusted-device cookie, if the browser sent one (see devices.py).
    device: str | None = None
    # In test mode, the merchant whose test helper reads the stored messages (the scope's merchant when None).
    message_owner: str | None = None
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
