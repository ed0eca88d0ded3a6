"""After every other test of a backend has run, no Link code or consumer-session secret is in the logs,
and the database holds codes only as keyed hashes (test-mode messages aside, which exist to show them)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models import LinkCode, LinkMessage
from tests.servers import LynkServer

SESSION_SECRET = re.compile(r"lcs_[A-Za-z0-9]+_secret_[A-Za-z0-9]+")


def test_no_code_or_session_secret_in_the_logs(server: LynkServer, lynk_log: Path) -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = lynk_log.read_text(errors="replace")

    async def sent(session: AsyncSession) -> list[str]:
        return list((await session.scalars(select(LinkMessage.body))).all())

    bodies = server.write(sent)
    assert bodies, "the Link tests stored test-mode messages"
    assert "verification code is" not in logged
    assert [body for body in bodies if body in logged] == []
    assert SESSION_SECRET.findall(logged) == []


def test_codes_are_stored_only_as_hashes(server: LynkServer) -> None:
    async def rows(session: AsyncSession) -> list[tuple[str, str]]:
        stored = await session.execute(
            select(LinkCode.code_hash, LinkMessage.code).join(LinkMessage, LinkMessage.created == LinkCode.created)
        )
        return [(h, c) for h, c in stored.all()]

    pairs = server.write(rows)
    assert pairs
    assert all(len(code_hash) == 64 and code not in code_hash for code_hash, code in pairs)
