"""A payment's events, by the events' payment index: its timeline shows them however many other events the
merchant made since the payment began (the timeline once scanned the merchant's next 1,000), and the event
browser pages through them by cursor, filtered by payment and type; on PostgreSQL both read by index."""

from __future__ import annotations

import re

import pytest
import stripe
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.scope import Scope
from lynk.events import service as events
from tests.api.test_query_plans import _reads_and_writes, _whole_table_scans
from tests.dashboard.support import BASE, Dashboard, make_user
from tests.dashboard.test_dashboard import pay
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

OTHER_EVENTS = 1_100
# The payment's events of one type: the index condition finds the payment's events (tens, a few hundred at most)
# and the type is checked on those, so the read is bounded by the payment, not by the store. Any other filter,
# or a type checked on the merchant's events (no payment in the index condition), is still flagged.
_ONE_PAYMENTS_EVENTS_BY_TYPE = re.compile(r"events \(filtered: \(\(type\)::text = '[\w.]+'::text\)\)")


def record(server: LynkServer, merchant_id: str, count: int, obj: dict[str, str], type_: str) -> None:
    """`count` events of the merchant about `obj`, as its domains record them."""

    async def run(session: AsyncSession) -> None:
        for n in range(count):
            await events.record(
                session, Scope(merchant_id, False), type_, {**obj, "n": str(n)}, now=int(server.clock.now())
            )

    server.write(run)


def _event_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="(evt_\w+)">', html)


def test_a_payments_events_are_on_its_page_after_many_other_events(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = pay(client, 3100)
    record(server, merchant.id, OTHER_EVENTS, {"id": "cus_other", "object": "customer"}, "customer.updated")
    refund = client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 100})
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "developer"))
    page = browser.get(f"{BASE}/payments/{pi.id}").text
    for event in client.v1.events.list(params={"type": "charge.refunded", "limit": 1}).data:
        assert event.id in page  # after the 1,100 others
    assert "Event payment_intent.succeeded" in page and "Event refund.created" in page
    assert refund.id in page and "cus_other" not in page


def test_the_event_browser_pages_a_payments_events_by_cursor(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi, other = pay(client, 1200), pay(client, 1300)
    record(server, merchant.id, 30, {"id": "ch_many", "object": "charge", "payment_intent": pi.id}, "charge.updated")
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "admin"))
    first = browser.get(f"{BASE}/developers/events?payment={pi.id}").text
    more = re.search(r'<a href="([^"]+)">Next page</a>', first)
    assert more is not None and f"payment={pi.id}" in more.group(1)
    second = browser.get(more.group(1).replace("&amp;", "&")).text
    seen = _event_ids(first) + _event_ids(second)
    expected = [e.id for e in client.v1.events.list(params={"limit": 100}).auto_paging_iter() if _about(e, pi.id)]
    assert len(_event_ids(first)) == 25 and seen == expected and len(seen) > 30
    assert "Next page" not in second
    typed = _event_ids(browser.get(f"{BASE}/developers/events?payment={pi.id}&type=payment_intent.succeeded").text)
    assert len(typed) == 1 and typed[0] in expected
    assert not set(_event_ids(browser.get(f"{BASE}/developers/events?payment={other.id}").text)) & set(seen)
    # 100 events or more: the payment's page shows its newest and links to the rest in the browser
    record(server, merchant.id, 80, {"id": "ch_many", "object": "charge", "payment_intent": pi.id}, "charge.updated")
    page = browser.get(f"{BASE}/payments/{pi.id}").text
    assert "Older events of this payment (in the event browser)" in page


def _about(event: stripe.Event, pi_id: str) -> bool:
    obj = event.data.object.to_dict()
    return obj.get("id") == pi_id or obj.get("payment_intent") == pi_id


def test_a_payments_events_are_read_by_index(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    if server.backend != "postgres":
        pytest.skip("query plans are PostgreSQL's")
    pi = pay(client, 1500)
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "admin"))
    with server.statements() as sent:
        assert browser.get(f"{BASE}/payments/{pi.id}").status_code == 200
        assert browser.get(f"{BASE}/developers/events?payment={pi.id}").status_code == 200
        assert browser.get(f"{BASE}/developers/events?payment={pi.id}&type=charge.succeeded").status_code == 200
    statements = _reads_and_writes(sent)
    scans = {
        t: sql
        for t, sql in _whole_table_scans(server, statements).items()
        if t.startswith("events") and not (_ONE_PAYMENTS_EVENTS_BY_TYPE.fullmatch(t) and "payment_intent_id =" in sql)
    }
    assert scans == {}, scans
