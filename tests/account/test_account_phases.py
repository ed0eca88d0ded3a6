"""The account page's "Add a card" verifies the card in atomic phases (issue 13, item 3): the sealed card is
committed, the processor asked with no transaction open, then the card kept. While the processor takes its
time, the same shopper's other tab renames a card at once (and on PostgreSQL no session sits in a
transaction); a card the processor declines leaves no sealed copy behind."""

from __future__ import annotations

from tests.account.support import BASE, AccountBrowser, ids, saved_shopper
from tests.payments.phased import InFlight, no_transaction_left_open, processor_operations, slow_processor
from tests.payments.served import read
from tests.servers import LynkServer
from tests.webhooks.support import wait_for

LATENCY_S = 8.0
SEALED = "SELECT count(*) FROM vault_cards"


def _sealed(server: LynkServer) -> int:
    [(count,)] = read(server.database_url, SEALED)
    return int(count)


def test_adding_a_card_holds_nothing_while_the_processor_verifies_it(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    browser = AccountBrowser(server)
    [saved] = ids(browser.log_in(shopper).text, "csmrpd")
    other_tab = AccountBrowser(server)
    other_tab.http.cookies = browser.http.cookies  # the same shopper's session
    card = {"number": "5555 5555 5555 4444", "expiration": "12 / 34", "cvc": "123", "nickname": "Work"}
    csrf = browser.csrf()
    before, acted = _sealed(server), processor_operations(server)

    with slow_processor(server, LATENCY_S):
        adding = InFlight(lambda: browser.post("/details", {**card, "csrf_token": csrf}))
        wait_for(lambda: processor_operations(server) == acted + 1, LATENCY_S / 2, "the processor to verify")
        assert _sealed(server) == before + 1  # the sealed card was committed before the call
        renamed = other_tab.post(f"/details/{saved}/nickname", {"nickname": "Everyday"})
        assert renamed.status_code == 303, renamed.text
        assert adding.running()  # answered while the processor still had the verification
        wait_for(lambda: no_transaction_left_open(server), LATENCY_S / 2, "no transaction open across the call")
        assert adding.running()
        added = adding.result(LATENCY_S * 4)

    assert added.status_code == 303 and added.headers["location"] == f"{BASE}?done=card_added", added.text
    page = browser.page().text
    assert "Mastercard •••• 4444" in page and "“Work”" in page and "“Everyday”" in page
    assert len(ids(page, "csmrpd")) == 2 and _sealed(server) == before + 1

    declined = browser.post("/details", {**card, "number": "4000 0000 0000 0002"})
    assert declined.status_code == 402 and "It was not saved" in declined.text
    assert len(ids(browser.page().text, "csmrpd")) == 2
    assert _sealed(server) == before + 1  # the declined card's sealed copy was erased
