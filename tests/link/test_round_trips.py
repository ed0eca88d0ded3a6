"""A returning shopper's server path reads each row once (issue 13): what a request has already read or made
in its transaction is not read again, and what a later transaction needs locked is read (and locked) again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from lynk.models import LinkSession, LinkSource
from tests.link import support
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


def _link_payment_statements(server: LynkServer, merchant: MerchantKeys) -> list[str]:
    """What a verified returning shopper's Link payment sends (the payment succeeded)."""
    browser, phone = _returning_shopper(server, merchant)
    browser.verify(phone)
    intent = link_intent(server, merchant)
    with statements(server) as seen:
        paid = pay_with_link(browser, intent)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "succeeded"
    return seen


def test_a_link_payment_reads_its_session_detail_grant_card_once(server: LynkServer, merchant: MerchantKeys) -> None:
    seen = _link_payment_statements(server, merchant)
    assert _reads(seen, "link_sessions") == 1  # authenticated; the risk check takes it from there
    assert _reads(seen, "link_payment_details") == 1  # chosen; the card to charge is that one
    assert _reads(seen, "vault_cards") == 1  # its facts, for the request, the risk check and the charge
    # The grant is made in the first phase (nothing reads it there), then locked again in the second, after
    # the processor answered, where a revocation committed meanwhile would be seen.
    assert _reads(seen, "link_grants") == 1
    assert any(sql.startswith("SELECT") and "FROM link_grants" in sql and "FOR UPDATE" in sql for sql in seen) or (
        server.backend == "sqlite"  # SQLite has no FOR UPDATE: its transactions lock the whole file
    )


def test_a_link_payment_writes_its_attempt_and_events_without_extra_statements(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    """The attempt's row is inserted unless one is under its key (no look for it first), and the second phase's
    events (`charge.succeeded`, `payment_intent.succeeded`) go in one INSERT around the grant's locked read."""
    seen = _link_payment_statements(server, merchant)
    assert _reads(seen, "connector_calls") == 1  # the second phase's lock of the attempt
    assert _kinds(seen).count("INSERT events") == 1
    if server.backend == "postgres":  # SQLite's risk stage reads through the session, which flushes the intent
        assert _kinds(seen).count("UPDATE payment_intents") == 2  # one a phase: its method and status together


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


def _kinds(seen: list[str]) -> list[str]:
    """What each statement did, and to which table (`SELECT link_sessions`, `INSERT link_codes`), leaving out the
    transaction's own (BEGIN on SQLite), the key's check (when the process's cache of keys has let it go) and a
    session's idle timer (`UPDATE link_sessions SET last_used`, sent when the clock's second has turned since
    the session's last use)."""
    kinds = []
    for sql in seen:
        verb = sql.split()[0]
        if verb in ("BEGIN", "COMMIT", "ROLLBACK") or sql.startswith("UPDATE link_sessions SET last_used="):
            continue
        if re.search(r"\bFROM api_keys\b", sql):
            continue
        table = re.search(r"\b(?:FROM|INTO|UPDATE) (\w+)", sql)
        kinds.append(f"{verb} {table.group(1) if table else '?'}")
    return kinds


def test_each_use_of_a_session_reads_it_with_its_account(server: LynkServer, merchant: MerchantKeys) -> None:
    """A returning shopper's steps after the lookup: the session and its account in one statement (the account's
    row locked where a code is checked), and a session's first code supersedes none (no UPDATE of link_codes)."""
    browser, phone = _returning_shopper(server, merchant)
    with statements(server) as seen:
        started = browser.post("/v1/link/consumer_sessions/start_verification", {"type": "sms"})
    assert started.status_code == 200, started.text
    assert _kinds(seen) == [
        "SELECT link_sessions",  # … JOIN link_accounts
        "SELECT link_codes",  # the codes sent to the account lately, and whether this session has one waiting
        "INSERT link_codes",
        "INSERT link_messages",  # test mode's outbox
        "INSERT link_metric_events",
    ]
    assert any(sql.startswith("SELECT") and "FROM link_sessions JOIN link_accounts" in sql for sql in seen)
    code = support.latest_code(server, merchant, phone)
    with statements(server) as seen:
        confirmed = browser.post("/v1/link/consumer_sessions/confirm_verification", {"code": code})
    assert confirmed.status_code == 200, confirmed.text
    assert _kinds(seen)[:2] == ["SELECT link_sessions", "SELECT link_codes"]
    assert _reads(seen, "link_accounts") == 0  # read (and locked) with the session
    joined = next(sql for sql in seen if sql.startswith("SELECT") and "FROM link_sessions JOIN link_accounts" in sql)
    assert "FOR UPDATE OF link_accounts" in joined or server.backend == "sqlite"
    with statements(server) as seen:
        listed = browser.post("/v1/link/payment_details/list")
    assert listed.status_code == 200, listed.text
    assert _kinds(seen) == ["SELECT link_sessions", "SELECT link_payment_details"]
