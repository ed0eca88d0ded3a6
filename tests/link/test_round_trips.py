"""A returning shopper's server path reads each row once (issue 13): what a request has already read or made
in its transaction is not read again, and what a later transaction needs locked is read (and locked) again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from lynk.models import LinkSession, LinkSource
from tests.link.support import Browser, link_intent, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


@contextmanager
def statements(server: LynkServer) -> Iterator[list[str]]:
    """The SQL the server sends meanwhile, on one line each (the tests of a module run one at a time)."""
    with server.statements() as sent:
        seen: list[str] = []
        yield seen
    seen.extend(" ".join(sql.split()) for sql, _params, _many in sent)


def _reads(seen: list[str], table: str) -> int:
    return sum(1 for sql in seen if sql.startswith("SELECT") and re.search(rf"\bFROM {table}\b", sql))


def _returning_shopper(server: LynkServer, merchant: MerchantKeys) -> tuple[Browser, str]:
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, make_merchant(server), email, phone)
    browser = Browser(server, merchant)
    assert browser.lookup(email).status_code == 200
    return browser, phone


def test_a_link_payment_reads_its_session_detail_grant_card_once(server: LynkServer, merchant: MerchantKeys) -> None:
    browser, phone = _returning_shopper(server, merchant)
    browser.verify(phone)
    intent = link_intent(server, merchant)
    with statements(server) as seen:
        paid = pay_with_link(browser, intent)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "succeeded"
    assert _reads(seen, "link_sessions") == 1  # authenticated; the risk check takes it from there
    assert _reads(seen, "link_payment_details") == 1  # chosen; the card to charge is that one
    assert _reads(seen, "vault_cards") == 1  # its facts, for the request, the risk check and the charge
    # The grant is made in the first phase (nothing reads it there), then locked again in the second, after
    # the processor answered, where a revocation committed meanwhile would be seen.
    assert _reads(seen, "link_grants") == 1
    assert any(sql.startswith("SELECT") and "FROM link_grants" in sql and "FOR UPDATE" in sql for sql in seen) or (
        server.backend == "sqlite"  # SQLite has no FOR UPDATE: its transactions lock the whole file
    )


def test_a_verification_remembers_its_sources_in_one_statement(server: LynkServer, merchant: MerchantKeys) -> None:
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, make_merchant(server), email, phone)  # born at a merchant's server: no source yet
    browser = Browser(server, merchant)
    for _visit in range(2):  # the first verification learns this browser and address, the second sees them again
        assert browser.lookup(email).status_code == 200
        with statements(server) as seen:
            browser.verify(phone)
        sources = [sql for sql in seen if "link_sources" in sql]
        assert [sql.split()[0] for sql in sources] == ["SELECT", "INSERT"]  # none past the retention: no DELETE
        assert "ON CONFLICT" in sources[1]
        assert not [sql for sql in seen if sql.startswith("SAVEPOINT")]
        assert _reads(seen, "vault_secrets") == 0  # the codes' HMAC key, kept by the process once read
    session_id = (browser.secret or "").partition("_secret_")[0]
    account = server.write(lambda s: s.scalar(select(LinkSession.account_id).where(LinkSession.id == session_id)))
    rows = server.write(lambda s: s.execute(select(LinkSource.kind).where(LinkSource.account_id == account)))
    assert sorted(kind for (kind,) in rows) == ["browser", "ip"]  # seen twice, kept once each
