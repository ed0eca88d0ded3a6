"""Idempotency records hold no card data: keyed fingerprints, scrubbed responses, migrated old rows.

The attack this guards against: with the BIN, last four and expiry of a stored card (vault_cards), a
plain hash of the request gives the CVC away in 1,000 guesses. The tests read the table as a thief
with a copy of the database would, after requests made through the official SDK.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.db import Database
from lynk.core.migrate import alembic_config
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer, backends, fresh_database

NUMBER, CVC = "4000056655665556", "739"


def _row(server: LynkServer, key: str) -> dict[str, Any]:
    async def read(session: AsyncSession) -> dict[str, Any]:
        found = await session.execute(
            text("SELECT fingerprint, response_body FROM idempotency_keys WHERE key = :k"), {"k": key}
        )
        return dict(found.mappings().one())

    return server.write(read)


def _create(browser: stripe.StripeClient, key: str, number: str = NUMBER, cvc: str = CVC) -> stripe.PaymentMethod:
    card = {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": cvc}
    return browser.v1.payment_methods.create(
        params={"type": "card", "card": card},  # type: ignore[typeddict-item]
        options={"idempotency_key": key},
    )


def _unkeyed_guesses(number: str) -> set[str]:
    """Hashes an attacker computes for every CVC: the request as the server decodes it, plainly hashed."""
    guesses = set()
    for cvc, order in itertools.product((f"{n:03d}" for n in range(1000)), (True, False)):
        params = {"type": "card", "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": cvc}}
        for canonical in (["POST", "/v1/payment_methods", params], params):
            encoded = json.dumps(canonical, sort_keys=order, separators=(",", ":")).encode()
            guesses.add(hashlib.sha256(encoded).hexdigest())
    return guesses


def test_a_stored_fingerprint_gives_no_cvc_away(server: LynkServer, merchant: MerchantKeys) -> None:
    browser = sdk_client(server, merchant.publishable_key)  # every lynk.js payment sends a key
    key = str(uuid.uuid4())
    method = _create(browser, key)
    row = _row(server, key)
    assert row["fingerprint"] not in _unkeyed_guesses(NUMBER)
    stored = bytes(row["response_body"]).decode()
    assert method.id in stored
    assert NUMBER not in stored and NUMBER not in row["fingerprint"]


def test_keyed_fingerprints_still_tell_requests_apart(server: LynkServer, merchant: MerchantKeys) -> None:
    browser = sdk_client(server, merchant.publishable_key)
    key = str(uuid.uuid4())
    first = _create(browser, key)
    again = _create(browser, key)
    assert again.id == first.id and again.last_response is not None
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    for other in ({"number": "5555555555554444"}, {"cvc": "123"}):
        with pytest.raises(stripe.IdempotencyError):
            _create(browser, key, **other)


def test_stored_error_responses_hold_no_card_data(server: LynkServer, merchant: MerchantKeys) -> None:
    """A declined card's stored 402, replayed, carries neither its number nor its CVC."""
    key = str(uuid.uuid4())
    body = {
        "amount": "739",
        "currency": "usd",
        "confirm": "true",
        "payment_method_data[type]": "card",
        "payment_method_data[card][number]": "4000000000000002",
        "payment_method_data[card][exp_month]": "12",
        "payment_method_data[card][exp_year]": "2034",
        "payment_method_data[card][cvc]": CVC,
    }
    headers = {"Idempotency-Key": key}
    first = httpx.post(
        f"{server.base_url}/v1/payment_intents", data=body, headers=headers, auth=(merchant.secret_key, "")
    )
    assert first.status_code == 402 and first.json()["error"]["decline_code"] == "generic_decline"
    assert first.json()["error"]["payment_intent"]["amount"] == 739  # an amount equal to the CVC stays
    stored = bytes(_row(server, key)["response_body"]).decode()
    assert "4000000000000002" not in stored and f'"{CVC}"' not in stored
    assert _row(server, key)["fingerprint"] not in _unkeyed_guesses("4000000000000002")


def test_rows_from_before_keyed_fingerprints_replay(server: LynkServer, merchant: MerchantKeys) -> None:
    """A row the migration emptied cannot compare parameters: a retry replays it rather than charging twice."""
    key = str(uuid.uuid4())
    browser = sdk_client(server, merchant.publishable_key)
    first = _create(browser, key)

    async def forget(session: AsyncSession) -> None:
        await session.execute(text("UPDATE idempotency_keys SET fingerprint = '' WHERE key = :k"), {"k": key})

    server.write(forget)
    assert _create(browser, key).id == first.id


async def _sql(url: str, statement: str, values: dict[str, Any] | None = None) -> Any:
    database = Database(url)
    try:
        async with database.transaction() as session:
            found = await session.execute(text(statement), values or {})
            return found.all() if statement.startswith("SELECT") else None
    finally:
        await database.dispose()


@pytest.mark.parametrize("backend", backends())
def test_migration_empties_old_fingerprints_and_masks_card_numbers(backend: str, tmp_path: Path) -> None:
    old_fingerprint = hashlib.sha256(b"a plain hash of a request").hexdigest()
    body = b'{"error": {"message": "card 4242 4242 4242 4242 declined", "amount": 4000}}'
    with fresh_database(backend, tmp_path) as url:
        command.downgrade(alembic_config(url), "0014")
        insert = (
            "INSERT INTO idempotency_keys (merchant_id, livemode, key, fingerprint, status, created, locked_until,"
            " request_id, response_status, response_body) VALUES ('acct_1', false, 'k1', :f, 'done', 1, 1, 'req_1',"
            " 402, :b)"
        )
        asyncio.run(_sql(url, insert, {"f": old_fingerprint, "b": body}))
        command.upgrade(alembic_config(url), "head")
        [(fingerprint, stored)] = asyncio.run(_sql(url, "SELECT fingerprint, response_body FROM idempotency_keys"))
    assert fingerprint == ""
    assert bytes(stored) == b'{"error": {"message": "card ************4242 declined", "amount": 4000}}'
