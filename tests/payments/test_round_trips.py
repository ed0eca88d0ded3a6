"""A one-shot card payment runs near the speed of its database (issue 13): the statements the server sends for
`POST /v1/payment_intents` with `payment_method=pm_card_visa`, `confirm=true` and an Idempotency-Key are
counted and pinned per backend, so a change that adds a round trip to every payment shows here.

What is counted is every statement SQLAlchemy sends for the request, leaving out the transaction's own
(`BEGIN IMMEDIATE` on SQLite) and the key's check (sent only when the process's cache of keys has let it go).
On PostgreSQL the risk stage's two statements (its windows' read and its attempt's INSERT) go through asyncpg's
prepared statements (`radar/prepared.py`), which SQLAlchemy does not see: they are not in PostgreSQL's count,
which is two short of the round trips to the database."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

PAYMENT = {"amount": "2000", "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"}

# The one-shot payment's statements, per backend. Lower these when a change saves one; never raise them to
# make a change pass without saying, in its commit, what the new round trip buys.
PINNED = {"postgres": 18, "sqlite": 21}


@contextmanager
def statements(server: LynkServer) -> Iterator[list[str]]:
    """The SQL the server sends meanwhile, one line each, without transaction control and the key's check."""
    with server.statements() as sent:
        seen: list[str] = []
        yield seen
    for sql, _params, _many in sent:
        line = " ".join(sql.split())
        if line.split()[0] in ("BEGIN", "COMMIT", "ROLLBACK") or re.search(r"\bFROM api_keys\b", line):
            continue
        seen.append(line)


def _kinds(seen: list[str]) -> list[str]:
    """What each statement did, and to which table (`SELECT idempotency_keys`, `INSERT events`)."""
    kinds = []
    for sql in seen:
        table = re.search(r"\b(?:FROM|INTO|UPDATE) (\w+)", sql)
        kinds.append(f"{sql.split()[0]} {table.group(1) if table else '?'}")
    return kinds


def _pay(server: LynkServer, merchant: MerchantKeys) -> httpx.Response:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    return httpx.post(
        f"{server.base_url}/v1/payment_intents",
        data=PAYMENT,
        auth=(merchant.secret_key, ""),
        headers=headers,
        timeout=60,
    )


def test_a_one_shot_card_payment_sends_its_pinned_statements(server: LynkServer, merchant: MerchantKeys) -> None:
    # The merchant's first payment makes what every later one finds (its ledger accounts), and the second reads
    # them for the process to keep (never kept from the session that wrote them): count the third.
    for _warm_up in range(2):
        assert _pay(server, merchant).status_code == 200
    with statements(server) as seen:
        paid = _pay(server, merchant)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "succeeded"
    kinds = _kinds(seen)
    assert len(kinds) == PINNED[server.backend], "\n".join(kinds)
    # payment_intent.created in the first phase; charge.succeeded and payment_intent.succeeded in one INSERT
    assert kinds.count("INSERT events") == 2
    listed = httpx.get(
        f"{server.base_url}/v1/events", params={"limit": 3}, auth=(merchant.secret_key, ""), timeout=60
    ).json()["data"]
    assert [event["type"] for event in listed] == [
        "payment_intent.succeeded",
        "charge.succeeded",
        "payment_intent.created",
    ]
    assert {event["data"]["object"]["id"] for event in listed[::2]} == {paid.json()["id"]}
