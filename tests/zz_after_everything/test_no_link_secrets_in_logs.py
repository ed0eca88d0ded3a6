"""After every other test of a backend has run, no Link code or consumer-session secret is in the logs,
and the database holds codes only as keyed hashes (test-mode messages aside, which exist to show them)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models import LinkCode, LinkMessage
from tests.link.support import Browser, latest_code, messages, new_email, new_phone, pay_and_opt_in
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer
from tests.zz_after_everything.test_no_plaintext_pan import _database_text

SESSION_SECRET = re.compile(r"lcs_[A-Za-z0-9]+_secret_[A-Za-z0-9]+")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _phone_of(server: LynkServer, merchant: MerchantKeys, code: str) -> str:
    async def to(session: AsyncSession) -> str:
        stmt = select(LinkMessage.to).where(LinkMessage.merchant_id == merchant.id, LinkMessage.code == code)
        return str((await session.scalars(stmt)).first())

    return server.write(to)


def _one_verified_shopper(server: LynkServer, merchant: MerchantKeys) -> tuple[str, str]:
    """So the scans always have a code and a session secret of their own to look for."""
    server.clock.advance(server.settings.link_send_window_seconds)  # earlier tests may have used this window
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, merchant, email, phone)
    browser = Browser(server, merchant)
    browser.login(email, phone)
    assert browser.secret is not None
    return browser.secret, latest_code(server, merchant, phone)


def test_no_code_or_session_secret_in_the_logs(server: LynkServer, merchant: MerchantKeys, lynk_log: Path) -> None:
    secret, code = _one_verified_shopper(server, merchant)
    logging.getLogger("lynk.link").warning("a careless line about a session")
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = lynk_log.read_text(errors="replace")

    async def sent(session: AsyncSession) -> list[str]:
        return list((await session.scalars(select(LinkMessage.body))).all())

    bodies = server.write(sent)
    assert bodies and "a careless line about a session" in logged
    assert secret not in logged and f"code is {code}" not in logged
    assert "verification code is" not in logged
    assert SESSION_SECRET.findall(logged) == []


def test_codes_and_secrets_are_stored_only_as_hashes(server: LynkServer, merchant: MerchantKeys) -> None:
    secret, code = _one_verified_shopper(server, merchant)

    async def hashes(session: AsyncSession) -> list[str]:
        return list((await session.scalars(select(LinkCode.code_hash))).all())

    stored = server.write(hashes)
    assert stored and all(HEX64.match(h) for h in stored)
    assert code in [m["code"] for m in messages(server, merchant, _phone_of(server, merchant, code))]
    # The session secret is nowhere in the database (only its SHA-256 is).
    assert secret.split("_secret_")[1].encode() not in _database_text(server)
