"""The value lists' stamp (`radar_value_list_stamps`): every change to a merchant's lists or items stamps them
anew in its transaction; the risk stage keeps the values per process and reads them again only when the
stamp it reads from the database has changed, so a change made by any process shows at the next payment.
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
import stripe
from alembic import command
from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.db import Database, create_engine
from lynk.core.migrate import alembic_config
from lynk.core.scope import Scope
from lynk.models import ValueList, ValueListItem, ValueListStamp
from lynk.radar import repository, rule_book, value_lists
from tests.radar.support import declined_charge, fresh_card, pay
from tests.radar.test_rules_api import rule
from tests.servers import POSTGRES_URL, LynkServer, backends, fresh_database

NOW = 1_800_000_000


def _stamp(server: LynkServer, scope: Scope) -> str | None:
    async def read(session: AsyncSession) -> str | None:
        where = (ValueListStamp.merchant_id == scope.merchant_id, ValueListStamp.livemode == scope.livemode)
        found: str | None = (await session.execute(select(ValueListStamp.stamp).where(*where))).scalar()
        return found

    return server.write(read)


def _lists(server: LynkServer, scope: Scope) -> dict[str, frozenset[str]]:
    """The lists the stage reads for the merchant's rules, as it reads them (its cache included)."""

    async def read(session: AsyncSession) -> dict[str, frozenset[str]]:
        _book, lists = await rule_book.load_with_lists(session, scope)
        return dict(lists)

    return server.write(read)


def test_every_change_to_lists_or_items_stamps_them(server: LynkServer) -> None:
    scope = Scope(f"acct_{uuid.uuid4().hex[:12]}", False)
    assert _stamp(server, scope) is None  # no lists yet: the stage reads no values
    seen: list[str | None] = []

    async def create(session: AsyncSession) -> Any:
        return await value_lists.create(
            session, scope, alias="watch", name="Watch", item_type="email", metadata=None, now=NOW
        )

    made = server.write(create)
    seen.append(_stamp(server, scope))
    item = server.write(lambda s: value_lists.add_item(s, scope, made.id, "a@example.com", now=NOW))
    seen.append(_stamp(server, scope))
    server.write(lambda s: value_lists.delete_item(s, scope, item.id))
    seen.append(_stamp(server, scope))
    server.write(lambda s: value_lists.update(s, scope, made.id, alias="watch2", name=None, metadata=None))
    seen.append(_stamp(server, scope))
    server.write(lambda s: value_lists.delete(s, scope, made.id))
    seen.append(_stamp(server, scope))
    assert None not in seen and len(set(seen)) == len(seen)


def test_the_stage_reads_the_values_again_only_when_the_stamp_changes(server: LynkServer) -> None:
    scope = Scope(f"acct_{uuid.uuid4().hex[:12]}", False)
    server.write(lambda s: value_lists.ensure_defaults(s, scope, now=NOW))

    async def blocked_emails(session: AsyncSession) -> Any:
        return await repository.value_list_by_alias(session, scope, "blocked_emails")

    blocked = server.write(blocked_emails)
    server.write(lambda s: value_lists.add_item(s, scope, blocked.id, "Mallory@Example.com", now=NOW))
    assert _lists(server, scope)["blocked_emails"] == {"mallory@example.com"}

    # An item written without a new stamp (no code path does this) is not read: the values are this
    # process's until the stamp changes, not read on every payment.
    async def sneak(session: AsyncSession) -> None:
        row = {"id": f"rsli_{uuid.uuid4().hex[:20]}", "created": NOW, "merchant_id": scope.merchant_id}
        row |= {"livemode": False, "metadata_": {}, "value_list_id": blocked.id, "value": "eve@example.com"}
        await session.execute(insert(ValueListItem), [row | {"created_by": "API"}])

    server.write(sneak)
    assert _lists(server, scope)["blocked_emails"] == {"mallory@example.com"}

    # Another process's change: only the stamp in the database tells this one (here stamped directly).
    server.write(lambda s: repository.stamp_lists(s, scope))
    assert _lists(server, scope)["blocked_emails"] == {"mallory@example.com", "eve@example.com"}

    async def clear(session: AsyncSession) -> None:
        await session.execute(delete(ValueListItem).where(ValueListItem.value_list_id == blocked.id))
        await repository.stamp_lists(session, scope)

    server.write(clear)
    assert _lists(server, scope)["blocked_emails"] == frozenset()


def test_a_list_change_through_the_api_is_seen_by_the_next_payment(client: stripe.StripeClient) -> None:
    watch = client.v1.radar.value_lists.create(params={"alias": "watched", "name": "Watched", "item_type": "email"})
    rule(client, "block", ":email: IN @watched")
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    card = fresh_card()
    assert pay(client, card, billing={"email": email}).status == "succeeded"  # the (empty) list now cached
    item = client.v1.radar.value_list_items.create(params={"value_list": watch.id, "value": email.upper()})
    assert declined_charge(client, card, billing={"email": email}).outcome.type == "blocked"
    client.v1.radar.value_list_items.delete(item.id)
    assert pay(client, card, billing={"email": email}).status == "succeeded"
    other = client.v1.radar.value_lists.create(params={"alias": "others", "name": "Others", "item_type": "email"})
    client.v1.radar.value_list_items.create(params={"value_list": other.id, "value": email})
    assert pay(client, card, billing={"email": email}).status == "succeeded"  # a list no rule reads


@pytest.mark.parametrize("backend", backends())
def test_the_migration_stamps_the_lists_already_there(backend: str, tmp_path: Path) -> None:
    """Lists made before 0107 get a stamp from it: without one the stage would read no values of theirs."""
    with fresh_database(backend, tmp_path) as url:
        command.downgrade(alembic_config(url), "0106")
        row = {"id": "rsl_before", "created": NOW, "merchant_id": "acct_before", "livemode": True, "metadata_": {}}
        row |= {"alias": "old", "name": "Old", "item_type": "email", "created_by": "API"}

        async def run(work: Any) -> Any:
            engine = create_engine(url)
            try:
                async with engine.begin() as conn:
                    return await work(conn)
            finally:
                await engine.dispose()

        async def add_list(conn: Any) -> None:
            await conn.execute(insert(ValueList), [row])

        async def stamps(conn: Any) -> list[tuple[Any, ...]]:
            found = await conn.execute(select(ValueListStamp.merchant_id, ValueListStamp.livemode))
            return [tuple(r) for r in found.all()]

        asyncio.run(run(add_list))
        command.upgrade(alembic_config(url), "head")
        assert asyncio.run(run(stamps)) == [("acct_before", True)]


@pytest.mark.skipif(not POSTGRES_URL, reason="on SQLite writers run one at a time")
def test_two_first_changes_at_once_both_commit(tmp_path: Path) -> None:
    """A merchant's first two list changes, in two transactions at once: the second waits for the first's
    stamp row and replaces its stamp, instead of failing on the unique key."""
    scope = Scope(f"acct_{uuid.uuid4().hex[:12]}", False)

    async def run(url: str) -> list[str | None]:
        db = Database(url, pool_size=2)
        first_stamped = asyncio.Event()
        try:

            async def first() -> None:
                async with db.transaction() as session:
                    await repository.stamp_lists(session, scope)
                    first_stamped.set()
                    await _until_a_statement_waits_on_a_lock(db)  # the second's, on this uncommitted row

            async def second() -> None:
                await first_stamped.wait()
                async with db.transaction() as session:
                    await repository.stamp_lists(session, scope)

            await asyncio.gather(first(), second())
            async with db.transaction() as session:
                where = (ValueListStamp.merchant_id == scope.merchant_id, ValueListStamp.livemode == scope.livemode)
                return list((await session.execute(select(ValueListStamp.stamp).where(*where))).scalars())
        finally:
            await db.dispose()

    with fresh_database("postgres", tmp_path) as url:
        stamps = asyncio.run(run(url))
    assert len(stamps) == 1 and stamps[0]


async def _until_a_statement_waits_on_a_lock(db: Database) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(1200):
        async with db.transaction() as session:
            if (await session.execute(waiting)).scalar_one():
                return
        await asyncio.sleep(0.025)
    raise AssertionError("the second transaction never waited for the first")
