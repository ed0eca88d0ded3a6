"""Codes cannot be used as a weapon (issue 11 item 12): someone who knows a shopper's email can lock
only themselves out, by source (browser binding, IP address), while the shopper verifies from their
own browser on another network; nor can they use up the codes the shopper is sent."""

from __future__ import annotations

import httpx

from tests.link.support import Browser, latest_code, new_email, new_phone, pay_and_opt_in
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


def _shopper(server: LynkServer) -> tuple[MerchantKeys, str, str]:
    shop = make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop, email, phone)
    return shop, email, phone


def _from_another_network(server: LynkServer, shop: MerchantKeys) -> Browser:
    """A browser whose requests come from another address (127.0.0.2 reaches the server over loopback)."""
    browser = Browser(server, shop)
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    browser.http = httpx.Client(base_url=server.base_url, timeout=30, transport=transport)
    return browser


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_an_attacker_locks_out_only_itself(server: LynkServer) -> None:
    shop, email, phone = _shopper(server)
    settings = server.runtime.settings
    attacker = Browser(server, shop)
    attacker.lookup(email)
    last = None
    for _ in range(settings.link_failures_before_lock):
        if last is None or "Request a new code" in last.text:
            assert attacker.post("/v1/link/consumer_sessions/start_verification").status_code == 200
        code = latest_code(server, shop, phone)
        last = attacker.post("/v1/link/consumer_sessions/confirm_verification", {"code": _wrong(code)})
    assert last is not None and last.status_code == 400 and "locked" in last.json()["error"]["message"]
    refused = attacker.post("/v1/link/consumer_sessions/start_verification")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "consumer_verification_locked"
    # A fresh cookie on the same network does not get the attacker more guesses.
    again = Browser(server, shop)
    again.lookup(email)
    assert again.post("/v1/link/consumer_sessions/start_verification").status_code == 429

    # The shopper, in their own browser on another network, verifies as usual.
    owner = _from_another_network(server, shop)
    assert owner.lookup(email).json()["exists"] is True
    assert owner.verify(phone)["status"] == "verified"


def test_an_attacker_cannot_use_up_the_shoppers_codes(server: LynkServer) -> None:
    shop, email, phone = _shopper(server)
    settings = server.runtime.settings
    attacker = Browser(server, shop)
    attacker.lookup(email)
    sent = [
        attacker.post("/v1/link/consumer_sessions/start_verification").status_code
        for _ in range(settings.link_sends_per_source + 1)
    ]
    assert sent == [200] * settings.link_sends_per_source + [429]

    owner = _from_another_network(server, shop)
    owner.lookup(email)
    assert owner.verify(phone)["status"] == "verified"
