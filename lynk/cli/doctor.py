"""`lynk doctor`: check a configuration before Lynk is started on it, and say what to fix.

It reads the same settings `lynk serve` would (environment and `.env`), changes nothing (no
migration, no generated key), and runs `/readyz`'s checks plus its own: the master key's form,
the public URL, the processors. A failing check exits 1; a warning is printed and exits 0.
"""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from lynk.api import health
from lynk.api.health import Check
from lynk.core.config import Settings
from lynk.core.db import Database
from lynk.vault import keyring as vault_keys

PUBLIC_URL_SECONDS = 3.0


def master_key(settings: Settings) -> Check:
    fix = "Set LYNK_MASTER_KEY to the output of `lynk vault new-key`, kept in a secret manager."
    try:
        if settings.master_key:
            vault_keys.decode_key(settings.master_key)
            for retired in (settings.retired_master_keys or "").split(","):
                if retired.strip():
                    vault_keys.decode_key(retired)
            return Check("master key", True, "LYNK_MASTER_KEY is a valid key")
    except vault_keys.MasterKeyNotConfigured as error:
        return Check("master key", False, str(error), fix)
    if settings.database_url is not None:
        return Check("master key", False, "LYNK_MASTER_KEY is not set, and the database is external", fix)
    path = vault_keys.key_file(settings)
    if path.exists():
        return Check("master key", True, f"read from {path} (embedded default)", warning=False)
    return Check("master key", True, f"will be generated into {path} at first start", "Back it up.", warning=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def public_url(url: str) -> Check:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Check("public URL", False, f"{url!r} is not an http(s) URL", "Set LYNK_PUBLIC_URL to https://your-host")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return Check("public URL", True, f"{url} is plain http", "Serve Lynk behind TLS (https://…).", warning=True)
    try:
        async with httpx.AsyncClient(timeout=PUBLIC_URL_SECONDS) as client:
            answer = await client.get(url.rstrip("/") + "/healthz")
        answered = answer.status_code == 200 and answer.json().get("status") == "ok"
    except (httpx.HTTPError, ValueError):
        answered = False
    if not answered:
        return Check(
            "public URL",
            True,
            f"nothing answers /healthz at {url} (expected before the first start)",
            "Once started, make sure shoppers' browsers reach Lynk at LYNK_PUBLIC_URL.",
            warning=True,
        )
    return Check("public URL", True, f"{url} answers")


def processors() -> Check:
    return Check(
        "processors",
        True,
        "test mode uses the built-in simulator; no live-mode processor is configured",
        "Configure a live processor before taking real payments (docs/production.md).",
        warning=True,
    )


def database_setup(settings: Settings) -> Check:
    if settings.is_sqlite:
        return Check(
            "database kind",
            True,
            "embedded SQLite: one process on one machine",
            "Use PostgreSQL (LYNK_DATABASE_URL=postgresql://…) to run several nodes.",
            warning=True,
        )
    return Check("database kind", True, "PostgreSQL")


async def run(settings: Settings) -> list[Check]:
    """Every check on `settings`, in the order they are printed."""
    checks = [database_setup(settings)]
    sqlite_file = Path(settings.resolved_database_url.partition(":///")[2]) if settings.is_sqlite else None
    if sqlite_file is not None and not sqlite_file.exists():  # connecting would create it: doctor changes nothing
        checks.append(Check("database", True, f"{sqlite_file} will be created at first start", warning=True))
    else:
        checks.extend(await _database(settings))
    checks.append(master_key(settings))
    checks.append(await public_url(settings.public_url))
    checks.append(await health.redis(settings.redis_url))
    checks.append(processors())
    return checks


async def _database(settings: Settings) -> list[Check]:
    checks = []
    db = Database(settings.resolved_database_url, pool_size=1)
    try:
        reached = await health.database(db)
        checks.append(reached)
        if reached.ok:
            found = await health.migrations(db)
            if not found.ok:  # `lynk serve` applies them unless --no-migrate
                fix = "Run `lynk migrate` (or start without --no-migrate)."
                found = Check(found.name, True, found.detail, fix, warning=True)
            checks.append(found)
    finally:
        await db.dispose()
    return checks


def report(checks: list[Check]) -> list[str]:
    """One line per check (`ok`, `warn` or `FAIL`), each problem followed by what to do."""
    lines = []
    for check in checks:
        mark = "FAIL" if not check.ok else "warn" if check.warning else "ok"
        lines.append(f"{mark:<4}  {check.name}: {check.detail}")
        if check.fix and (not check.ok or check.warning):
            lines.append(f"      fix: {check.fix}")
    return lines


def check(settings: Settings) -> tuple[bool, list[str]]:
    checks = asyncio.run(run(settings))
    return all(c.ok for c in checks), report(checks)
