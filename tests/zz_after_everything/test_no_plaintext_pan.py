"""After every other test of a backend has run, no card or bank account number is anywhere: database or logs.

This directory sorts last, and pytest runs each backend's tests together, so this scan sees
everything the whole run stored through that backend's server.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.vault.sandbox_cards import TEST_CARD_NUMBERS
from tests.connectors.support import ALL_TEST_CARDS
from tests.merchants.factories import MerchantKeys
from tests.payments.bank_support import ALL_TEST_ACCOUNTS, ROUTING
from tests.servers import LynkServer

PANS = sorted(set(TEST_CARD_NUMBERS.values()) | set(ALL_TEST_CARDS))
ACCOUNT_NUMBERS = sorted(set(ALL_TEST_ACCOUNTS))


def _database_text(server: LynkServer) -> bytes:
    if server.backend == "sqlite":
        path = Path(server.database_url.split("///", 1)[1])
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists())

    async def dump(session: AsyncSession) -> bytes:
        tables = (await session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars()
        rows: list[str] = []
        for table in list(tables):
            result = await session.execute(text(f'SELECT t::text FROM "{table}" t'))
            rows.extend(result.scalars())
        return "\n".join(rows).encode()

    return server.write(dump)


def test_no_card_number_in_the_database(server: LynkServer, merchant: MerchantKeys) -> None:
    # Store one more card and pay with it, so the scan always has real data to look at.
    response = httpx.post(
        f"{server.base_url}/v1/payment_intents",
        data={
            "amount": "1000",
            "currency": "usd",
            "confirm": "true",
            "payment_method_data[type]": "card",
            "payment_method_data[card][number]": "5555555555554444",
            "payment_method_data[card][exp_month]": "4",
            "payment_method_data[card][exp_year]": "2033",
        },
        auth=(merchant.secret_key, ""),
    )
    assert response.json()["status"] == "succeeded"
    bank = httpx.post(
        f"{server.base_url}/v1/payment_methods",
        data={
            "type": "us_bank_account",
            "us_bank_account[routing_number]": ROUTING,
            "us_bank_account[account_number]": ACCOUNT_NUMBERS[0],
            "billing_details[name]": "Jenny Rosen",
        },
        auth=(merchant.secret_key, ""),
    )
    assert bank.status_code == 200
    stored = _database_text(server)
    assert b"vcard_" in stored and b"vbank_" in stored
    found = [pan for pan in PANS if pan.encode() in stored]
    assert found == []
    assert [number for number in ACCOUNT_NUMBERS if number.encode() in stored] == []


def test_no_card_number_in_the_logs(lynk_log: Path) -> None:
    # A careless log line with a card number, through the same handlers as everything else.
    logging.getLogger("lynk.payments").warning("retrying card %s", "4242424242424242")
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = lynk_log.read_text(errors="replace")
    assert "retrying card ************4242" in logged
    found = [pan for pan in PANS if pan in logged]
    assert found == []
    assert [number for number in ACCOUNT_NUMBERS if number in logged] == []
