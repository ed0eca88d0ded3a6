"""After every other test of a backend has run, no card data is anywhere: database or logs (in any encoding).

This directory sorts last, and pytest runs each backend's tests together, so this scan sees
everything the whole run stored through that backend's server.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.card_numbers import PANS
from tests.conftest import LOGGING_ERROR
from tests.merchants.factories import MerchantKeys
from tests.payments.bank_support import ALL_TEST_ACCOUNTS, ROUTING
from tests.servers import LynkServer, stored_bytes

ACCOUNT_NUMBERS = sorted(set(ALL_TEST_ACCOUNTS))


def _database_text(server: LynkServer) -> bytes:
    if server.backend == "sqlite":
        return stored_bytes(server)

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


def _encodings(pan: str) -> set[str]:
    """The ways a card number is written in a URL, a form or a message: grouped by 4 (or 4-6-5 for Amex)
    with a space, `+`, `-`, or their percent-encodings (once or twice)."""
    groups = [pan[i : i + 4] for i in range(0, len(pan), 4)]
    amex = [pan[:4], pan[4:10], pan[10:]]
    separators = (" ", "+", "-", "%20", "%2B", "%2D", "%2520", "%252B")
    return {pan} | {sep.join(parts) for sep in separators for parts in (groups, amex)}


# A CVC next to its name, however it was written: `card[cvc]=739`, `card%5Bcvc%5D=739`, `"cvc": "739"`.
CVC_VALUE = re.compile(r"(?i)cvc(?:\]|%5D|%255D)?[\"']?\s*(?:=|:|%3D|%253D)\s*[\"']?[0-9]{3,4}")


def test_no_card_data_in_the_logs(server: LynkServer, merchant: MerchantKeys, lynk_log: Path) -> None:
    # Card data in a URL, in every encoding: refused, and its request line logged masked.
    for query in (
        "type=card&card[number]=4000%200566%205566%205556&card[cvc]=739",
        "type=card&card%5Bnumber%5D=4000+0566+5566+5556&card%5Bcvc%5D=739",
        "type=card&card[number]=4000-0566-5566-5556&card[cvc]=7391",
        "type=us_bank_account&us_bank_account[account_number]=000123456789",
    ):
        refused = httpx.post(f"{server.base_url}/v1/payment_methods?{query}", auth=(merchant.secret_key, ""))
        assert refused.status_code == 400, query
    # A careless log line with a card number, through the same handlers as everything else.
    logging.getLogger("lynk.payments").warning("retrying card %s", "4242424242424242")
    logging.getLogger("lynk.payments").warning("retrying card[cvc]=%s", "739")
    for handler in [*logging.getLogger().handlers, *logging.getLogger("uvicorn.access").handlers]:
        handler.flush()
    logged = lynk_log.read_text(errors="replace")
    assert "retrying card ************4242" in logged and "retrying card[cvc]=***" in logged
    assert "card[number]=***&card[cvc]=***" in logged  # the access log line, masked
    assert LOGGING_ERROR not in logged
    found = [form for pan in PANS for form in _encodings(pan) if form in logged]
    assert found == []
    assert CVC_VALUE.findall(logged) == []
    assert [number for number in ACCOUNT_NUMBERS if number in logged] == []
