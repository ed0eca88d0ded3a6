"""The demo seed: two demo merchants whose test keys live in `LYNK_HOME/demo.json`.

Two shops, so the Link network can be tried in two minutes: a shopper saves her details at the first
(examples/merchant on :4242) and is recognised at the second (the same example on :4243). The database
keeps only key hashes, so the demo's raw keys are kept in that local file (mode 0600), like a CLI's
config file, so `make run` can print them every time. The first shop's keys stay at the top level of
the file (as before); the second's are under `second_shop`.
"""

from __future__ import annotations

import json
import os
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.config import Settings
from lynk.merchants import service as merchants

DEMO_NAME = "Lynk Demo Shop"
SECOND_NAME = "Lynk Demo Bakery"
SHOP_PORTS = {DEMO_NAME: 4242, SECOND_NAME: 4243}
_COLORS = {DEMO_NAME: "#4b44d6", SECOND_NAME: "#b5451b"}


async def _shop(session: AsyncSession, name: str, saved: dict[str, Any] | None, *, now: int) -> dict[str, Any]:
    existing = await merchants.find_merchant_by_name(session, name)
    if saved and existing and saved.get("id") == existing.id:
        return dict(saved)
    if existing is None:
        merchant, keys = await merchants.create_merchant(session, name, now=now)
        await merchants.update_branding(session, merchant.id, {"primary_color": _COLORS[name]})
    else:
        merchant = existing
        keys = await merchants.create_keys(session, merchant.id, livemode=False, now=now)
    return {
        "id": merchant.id,
        "name": merchant.name,
        "secret_key": keys.secret_key,
        "publishable_key": keys.publishable_key,
    }


async def seed(session: AsyncSession, settings: Settings, *, now: int) -> dict[str, Any]:
    path = settings.home / "demo.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    first = await _shop(session, DEMO_NAME, {k: v for k, v in saved.items() if k != "second_shop"}, now=now)
    second = await _shop(session, SECOND_NAME, saved.get("second_shop"), now=now)
    payload = {**first, "second_shop": second}
    if payload != saved:
        path.write_text(json.dumps(payload, indent=2))
        os.chmod(path, 0o600)
    return payload


def describe(seeded: dict[str, Any], settings: Settings) -> list[str]:
    base = settings.public_url.rstrip("/")
    lines = []
    for shop in (seeded, seeded["second_shop"]):
        lines += [
            f"Demo merchant:   {shop['id']} ({shop['name']})",
            f"  Secret key:      {shop['secret_key']}",
            f"  Publishable key: {shop['publishable_key']}",
            f"  Example shop:    http://127.0.0.1:{SHOP_PORTS[shop['name']]}",
        ]
    return [
        *lines,
        f"API:             {base}/v1",
        f"OpenAPI:         {base}/openapi.json  (interactive docs at {base}/docs)",
        f"Health:          {base}/healthz",
        "Try it:",
        f"  curl {base}/v1/customers -u {seeded['secret_key']}: -d email=jenny@example.com",
    ]
