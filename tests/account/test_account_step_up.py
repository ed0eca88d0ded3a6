"""The account page's step-up (issue 16 item 7), over HTTP on SQLite and PostgreSQL: a log-in from a new
device and a new network confirms a second code before it adds an address or a card; the address typed
before the code is saved after it, the card is asked for again; the shopper's own network asks nothing
more; and passing the step-up makes that browser hers."""

from __future__ import annotations

import re

import httpx

from tests.account.support import AccountBrowser, Shopper, ids, saved_shopper
from tests.card_numbers import shows
from tests.link.support import latest_code, messages
from tests.servers import LynkServer

ADDRESS = {
    "name": "Ada Shopper",
    "line1": "99 Drop Lane",
    "city": "Dublin",
    "postal_code": "D02 XY45",
    "country": "IE",
}
CARD = {"number": "5555 5555 5555 4444", "expiration": "12 / 34", "cvc": "123"}


def _elsewhere(server: LynkServer) -> AccountBrowser:
    """A new browser whose requests come from a network the shopper never used (127.0.0.2; hers is 127.0.0.1)."""
    moved = AccountBrowser(server)
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    moved.http = httpx.Client(base_url=server.base_url, timeout=30, transport=transport)
    return moved


def _asked_for_a_code(response: httpx.Response, doing: str) -> None:
    assert response.status_code == 200, response.text
    assert "<h1>Confirm it&#39;s you</h1>" in response.text or "<h1>Confirm it's you</h1>" in response.text
    assert f"Before {doing}, enter the new 6-digit code" in response.text


def _sent(server: LynkServer, shopper: Shopper) -> int:
    return len(messages(server, shopper.home, shopper.phone))


def test_a_new_device_on_a_new_network_confirms_a_code_before_adding_an_address(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    stranger = _elsewhere(server)
    stranger.log_in(shopper)
    sent = _sent(server, shopper)

    asked = stranger.post("/addresses", ADDRESS)
    _asked_for_a_code(asked, "adding an address")
    assert _sent(server, shopper) == sent + 1  # a new code went to her phone
    assert 'name="line1" value="99 Drop Lane"' in asked.text  # carried through the code step
    assert ids(stranger.page().text, "csmrsa") == []  # nothing saved yet

    wrong = stranger.post("/step_up", {**ADDRESS, "then": "address", "code": "000000"})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text, wrong.text
    assert ids(stranger.page().text, "csmrsa") == []

    code = latest_code(server, shopper.home, shopper.phone)
    done = stranger.post("/step_up", {**ADDRESS, "then": "address", "code": code})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=address_added"), done.text
    page = stranger.page().text
    assert len(ids(page, "csmrsa")) == 1 and "99 Drop Lane" in page

    # The step-up is passed for the session: a card is saved at once.
    saved = stranger.post("/details", CARD)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?done=card_added"), saved.text

    # And this browser is hers now: its next log-in from the same network asks for nothing more.
    assert stranger.post("/logout").status_code == 303
    stranger.log_in(shopper)
    assert stranger.post("/addresses", {**ADDRESS, "line1": "2 Quay St"}).headers["location"].endswith("address_added")


def test_a_card_is_asked_for_again_after_the_code(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    stranger = _elsewhere(server)
    stranger.log_in(shopper, remember=True)
    assert "lynk_device" not in stranger.http.cookies  # not a trusted device while it owes the step-up
    before = ids(stranger.page().text, "csmrpd")

    asked = stranger.post("/details", CARD)
    _asked_for_a_code(asked, "adding a card")
    assert (
        not shows(asked.text, "5555") and "5555555555554444" not in asked.text and 'name="number"' not in asked.text
    )  # the card is never written back
    assert ids(stranger.page().text, "csmrpd") == before

    code = latest_code(server, shopper.home, shopper.phone)
    done = stranger.post("/step_up", {"then": "card", "code": code})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=confirmed_card"), done.text
    page = stranger.http.get(done.headers["location"]).text
    assert "Enter the card again to save it." in page
    assert re.search(r'<details class="add" open>\s*<summary>Add a card</summary>', page)
    assert ids(page, "csmrpd") == before

    saved = stranger.post("/details", CARD)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?done=card_added"), saved.text
    assert len(ids(stranger.page().text, "csmrpd")) == len(before) + 1


def test_her_own_network_adds_without_a_second_code(server: LynkServer) -> None:
    shopper = saved_shopper(server)  # she paid with Link from 127.0.0.1
    own = AccountBrowser(server)  # a new browser, but her network
    own.log_in(shopper)
    sent = _sent(server, shopper)
    added = own.post("/addresses", ADDRESS)
    assert added.status_code == 303 and added.headers["location"].endswith("?done=address_added"), added.text
    assert _sent(server, shopper) == sent


def test_a_resend_keeps_the_address_and_an_ended_session_logs_in_again(server: LynkServer) -> None:
    shopper = saved_shopper(server)
    stranger = _elsewhere(server)
    stranger.log_in(shopper)
    stranger.post("/addresses", ADDRESS)
    sent = _sent(server, shopper)
    resent = stranger.post("/step_up/resend", {**ADDRESS, "then": "address", "channel": "email"})
    assert resent.status_code == 200 and "A new code is on its way." in resent.text, resent.text
    assert "by email to" in resent.text and 'name="city" value="Dublin"' in resent.text
    assert _sent(server, shopper) == sent  # the email went to her address, not her phone
    code = latest_code(server, shopper.home, shopper.email)
    assert stranger.post("/step_up", {**ADDRESS, "then": "address", "code": code}).status_code == 303
    assert len(ids(stranger.page().text, "csmrsa")) == 1

    assert stranger.post("/logout").status_code == 303
    ended = stranger.post("/step_up", {**ADDRESS, "then": "address", "code": code})
    assert ended.status_code == 303 and ended.headers["location"].endswith("?done=expired"), ended.text
