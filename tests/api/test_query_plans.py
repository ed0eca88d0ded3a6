"""Every query the hot lists and the upkeep jobs run is served by an index on PostgreSQL, so their latency
does not grow with the store (bench/large_store.py measures it at 1,000,000 payments).

The test drives the API (lists with each filter), a webhook pass and an upkeep pass, records every SQL
statement the server ran, and EXPLAINs each with sequential scans made as costly as PostgreSQL allows
(`enable_seqscan = off`): a plan that still scans a table whole has no index it could use. On a small test
database the planner would scan anyway, so the plan's shape, not its cost, is what is checked.

The plans are made on a database of the test's own, never analyzed, holding only what the test wrote, so
they are the same in every run. On the suite's shared database they depended on what ran before: with no
statistics (autovacuum is off) the planner sizes a table by its pages, which earlier tests grow, and an
`events` table of some 2,500 pages turns the retention purge (`created < cutoff ORDER BY pk LIMIT n`) into
a walk of its whole primary key; the upkeep and webhook passes also worked through other tests' leftovers,
and the statements recorded took in whatever another test's request or background task sent meanwhile.
ANALYZE is no cure on a store this small: with true statistics PostgreSQL rightly reads a handful of rows,
or an empty table, along a primary key (the upkeep's checkout and authorization expiries, a balance's
ledger accounts), which says nothing of a large store. With none, every run's statements are weighed by
the same default selectivities, and which indexes exist decides the plan's shape."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from lynk.api import maintenance
from tests.conftest import sdk_client
from tests.merchants.factories import make_merchant
from tests.servers import POSTGRES_URL, LynkServer, running_server
from tests.webhooks.support import receiver, run_worker

# Tables that stay small whatever the store holds (one row per merchant, key, account, job, secret).
SMALL = {
    "merchants",
    "api_keys",
    "ledger_accounts",
    "webhook_endpoints",
    "vault_secrets",
    "vault_keys",
    "upkeep_locks",
    "alembic_version",
}


def _reads_and_writes(sent: list[tuple[str, Any, bool]]) -> list[tuple[str, Any]]:
    kinds = ("SELECT", "UPDATE", "DELETE", "WITH")
    return [(sql, params) for sql, params, many in sent if not many and sql.lstrip().upper().startswith(kinds)]


# What the lists filter on: a scan that checks one of these row by row (a `Filter`, not the index's
# condition) reads every object of the merchant to find a customer's few. PostgreSQL prints a column bare on
# a single table's scan (`((email)::text = $3)`) and qualified in a join (`(charges.customer_id = $1)`): the
# ids and `last4` are found anywhere (`latest_charge_id` too), the short names only as words of their own,
# so `type` is neither `fraud_type` nor a quoted literal or JSON key (`'type'`). An event's delivery
# (`fanout_pending`, `pending_webhooks`) is the filter of `delivery_success`: a merchant's few undelivered
# events are not found by reading all of its events.
_ANYWHERE = ("customer_id", "payment_intent_id", "charge_id", "last4")
_WORDS = ("type", "source", "email", "fanout_pending", "pending_webhooks")
_FILTERED = re.compile("|".join(_ANYWHERE) + r"|(?<![\w'])(?:" + "|".join(_WORDS) + r")\b(?!')")


def _index_conds(plan: dict[str, Any]) -> Iterator[str]:
    """The index conditions a scan reads by: its own, or those of the bitmap index scans under a heap scan."""
    yield plan.get("Index Cond", "")
    if plan.get("Node Type") in ("Bitmap Heap Scan", "BitmapAnd", "BitmapOr"):
        for child in plan.get("Plans", []):
            yield from _index_conds(child)


def _filters_row_by_row(plan: dict[str, Any]) -> bool:
    """A list filter checked on each row the index condition found, not one that condition already checks:
    a bitmap heap scan prints a boolean column its index found (`Index Cond: (fanout_pending = true)`)
    again as its `Filter: fanout_pending`, which reads no row more."""
    indexed = set(_FILTERED.findall(" ".join(_index_conds(plan))))
    return bool(set(_FILTERED.findall(plan.get("Filter", ""))) - indexed)


def _scans(plan: dict[str, Any]) -> Iterator[str]:
    """Tables the plan reads whole (a sequential scan, or an index walked end to end with no `Index Cond`),
    or all of a merchant's rows to filter them one by one."""
    kind = plan.get("Node Type")
    if kind == "Seq Scan" or (kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan):
        yield plan["Relation Name"]
    elif kind in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan") and _filters_row_by_row(plan):
        yield f"{plan['Relation Name']} (filtered: {plan['Filter']})"
    for child in plan.get("Plans", []):
        yield from _scans(child)


def _whole_table_scans(server: LynkServer, statements: list[tuple[str, Any]]) -> dict[str, str]:
    async def explain() -> dict[str, str]:
        found: dict[str, str] = {}
        async with server.db.transaction() as session:
            await session.execute(text("SET LOCAL enable_seqscan = off"))  # this transaction only
            raw = (await (await session.connection()).get_raw_connection()).driver_connection
            distinct = {(s, repr(p)): (s, tuple(p or ())) for s, p in statements}  # repr: lists are unhashable
            for statement, parameters in distinct.values():
                plan = await raw.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *parameters)
                plan = json.loads(plan) if isinstance(plan, str) else plan  # decoded by Lynk's JSON codec
                for table in _scans(plan[0]["Plan"]):
                    if table not in SMALL:
                        found[table] = found.get(table, "") + statement + "\n\n"
            await session.rollback()
        return found

    return server.call(explain)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LynkServer]:
    """A PostgreSQL server on a database of this test alone (see the module's docstring)."""
    if not POSTGRES_URL:
        pytest.skip("query plans are PostgreSQL's; SQLite serves a single process's small store")
    with running_server("postgres", tmp_path) as running:
        yield running


def test_hot_lists_and_upkeep_jobs_use_indexes(own_server: LynkServer) -> None:
    server = own_server
    client = sdk_client(server, make_merchant(server).secret_key)
    customer = client.v1.customers.create(params={"email": "plans@example.com"})
    with receiver() as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["*"]})
        hooks.secrets.append(endpoint.secret)
        with server.statements() as sent:
            intent = client.v1.payment_intents.create(
                params={
                    "amount": 2_000,
                    "currency": "usd",
                    "payment_method": "pm_card_visa",
                    "customer": customer.id,
                    "confirm": True,
                }
            )
            charge = intent.latest_charge
            assert isinstance(charge, str)
            client.v1.payment_intents.retrieve(intent.id)
            client.v1.payment_intents.list(params={"customer": customer.id})
            client.v1.payment_intents.list(params={"created": {"lte": intent.created}})
            client.v1.charges.list(params={"payment_intent": intent.id})
            client.v1.charges.list(params={"customer": customer.id})
            client.v1.charges.search(params={"query": "payment_method_details.card.last4:'4242'"})
            client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
            client.v1.refunds.list(params={"payment_intent": intent.id})
            client.v1.refunds.list(params={"charge": charge})
            client.v1.events.list(params={"type": "charge.succeeded"})
            client.v1.events.list(params={"delivery_success": False})
            client.v1.balance_transactions.list(params={"type": "charge"})
            client.v1.balance_transactions.list(params={"source": charge})
            client.v1.customers.list(params={"email": "plans@example.com"})
            run_worker(server)
            server.call(lambda: maintenance.run_once(server.runtime))
    statements = _reads_and_writes(sent)
    scans = _whole_table_scans(server, statements)
    assert len(statements) > 50
    assert scans == {}, "\n\n".join(f"{table}:\n{sql}" for table, sql in scans.items())
