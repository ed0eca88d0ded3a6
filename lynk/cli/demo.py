"""The demo seed: one demo merchant whose test keys live in `LYNK_HOME/demo.json`.

The database keeps only key hashes, so the demo's raw keys are kept in that local
file (mode 0600), like a CLI's config file, so `make run` can print them every time.
"""

from __future__ import annotations

import json
import os
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.config import Settings
from lynk.merchants import service as merchants

DEMO_NAME = "Lynk Demo Shop"


async def seed(session: AsyncSession, settings: Settings, *, now: int) -> dict[str, Any]:
    path = settings.home / "demo.json"
    saved = json.loads(path.read_text()) if path.exists() else None
    existing = await merchants.find_merchant_by_name(session, DEMO_NAME)
    if saved and existing and saved.get("id") == existing.id:
        return dict(saved)
    if existing is None:
        merchant, keys = await merchants.create_merchant(session, DEMO_NAME, now=now)
    else:
        merchant = existing
        keys = await merchants.create_keys(session, merchant.id, livemode=False, now=now)
    payload = {
        "id": merchant.id,
        "name": merchant.name,
        "secret_key": keys.secret_key,
        "publishable_key": keys.publishable_key,
    }
    path.write_text(json.dumps(payload, indent=2))
    os.chmod(path, 0o600)
    return payload


def describe(seeded: dict[str, Any], settings: Settings) -> list[str]:
    base = settings.public_url.rstrip("/")
    return [
        f"Demo merchant:   {seeded['id']} ({seeded['name']})",
        f"Secret key:      {seeded['secret_key']}",
        f"Publishable key: {seeded['publishable_key']}",
        f"API:             {base}/v1",
        f"OpenAPI:         {base}/openapi.json  (interactive docs at {base}/docs)",
        f"Health:          {base}/healthz",
        "Try it:",
        f"  curl {base}/v1/customers -u {seeded['secret_key']}: -d email=jenny@example.com",
    ]
