"""The process's state: what requests, pages and background jobs share, built once per process.

The app factory builds one (`api.app.make_runtime`, set on `app.state.runtime`), and so does `lynk worker`
without an app. It holds the settings, the database, the clock, the vault's keyring and the processors a
payment falls back to: the connector is always given (test mode's, the simulator in production, a scripted
one in fault tests), never a default. A layer of its own under `wire`, so the domains' services (and
`payments.context`, which builds every PaymentContext from it) can read it without importing HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lynk.connectors import Connector
from lynk.core.clock import Clock, unix
from lynk.core.config import Settings
from lynk.core.db import Database
from lynk.core.scope import Scope
from lynk.idempotency import service as idempotency
from lynk.vault import redaction
from lynk.vault import service as vault
from lynk.vault.keyring import Keyring

IDEMPOTENCY_KEY_PURPOSE = "idempotency"


@dataclass
class Runtime:
    """What every request and job needs, one per process."""

    settings: Settings
    db: Database
    clock: Clock
    keyring: Keyring
    connector: Connector  # test mode's processor
    live_connector: Connector | None = None  # live mode's; None refuses live payments
    _secrets: dict[tuple[str, bool], bytes] = field(default_factory=dict, repr=False)

    async def keyed_secret(self, purpose: str, livemode: bool) -> bytes:
        """A secret sealed by the vault, unsealed once per process (it never changes once created)."""
        cached = self._secrets.get((purpose, livemode))
        if cached is None:
            async with self.db.transaction() as session:
                cached = await vault.keyed_secret(session, self.keyring, purpose, livemode, unix(self.clock))
            self._secrets[(purpose, livemode)] = cached
        return cached

    async def fingerprint(self, scope: Scope, method: str, path: str, params: dict[str, Any]) -> str:
        """An idempotency fingerprint: keyed, and card data replaced by keyed values before hashing."""
        key = await self.keyed_secret(IDEMPOTENCY_KEY_PURPOSE, scope.livemode)
        return idempotency.fingerprint(key, method, path, redaction.keyed_canonical(params, key))
