"""Account takeover attempts: guessing codes, stale or borrowed codes, secrets out of their binding,
enumeration by lookup. Each is refused with an error that says why."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from lynk.core.errors import LynkError
from lynk.core.scope import Scope
from lynk.link import service, sessions
from lynk.link.limits import limiter_for
from lynk.models import LinkSession
from tests.link.support import Browser, latest_code, messages, new_email, new_phone, pay_and_opt_in
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


def _shopper(server: LynkServer) -> tuple[MerchantKeys, str, str]:
    shop = make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop, email, phone)
    return shop, email, phone


def _error(response: httpx.Response) -> dict[str, str]:
    error: dict[str, str] = response.json()["error"]
    return error


def test_expired_code_is_refused(server: LynkServer) -> None:
    shop, email, phone = _shopper(server)
    browser = Browser(server, shop)
    browser.lookup(email)
    browser.post("/v1/link/consumer_sessions/start_verification")
    code = latest_code(server, shop, phone)
    server.clock.advance(server.settings.link_code_ttl_seconds + 1)
    refused = browser.post("/v1/link/consumer_sessions/confirm_verification", {"code": code})
    assert refused.status_code == 400
    assert "expired" in _error(refused)["message"] and _error(refused)["param"] == "code"
    assert _error(refused)["code"] == "consumer_verification_code_expired"


def test_reused_code_is_refused(server: LynkServer) -> None:
    shop, email, phone = _shopper(server)
    browser = Browser(server, shop)
    browser.lookup(email)
    browser.verify(phone)
    code = latest_code(server, shop, phone)
    again = browser.post("/v1/link/consumer_sessions/confirm_verification", {"code": code})
    assert again.status_code == 400
    assert "no verification code waiting" in _error(again)["message"]


def test_code_from_another_session_is_refused(server: LynkServer) -> None:
    shop, email, phone = _shopper(server)
    first, second = Browser(server, shop), Browser(server, shop)
    first.lookup(email)
    second.lookup(email)
    first.post("/v1/link/consumer_sessions/start_verification")
    first_code = latest_code(server, shop, phone)
    second.post("/v1/link/consumer_sessions/start_verification")
    second_code = latest_code(server, shop, phone)
    # Two codes collide once in a million draws; then this case says nothing, and the test skips it.
    if second_code == first_code:
        pytest.skip("the two random codes collided")
    refused = second.post("/v1/link/consumer_sessions/confirm_verification", {"code": first_code})
    assert refused.status_code == 400
    assert _error(refused)["code"] == "consumer_verification_code_invalid"
    assert "incorrect" in _error(refused)["message"] and refused.json()["error"]["attempts_remaining"] == 4
    # A newer code for a session replaces the older one.
    first.post("/v1/link/consumer_sessions/start_verification")
    newest = latest_code(server, shop, phone)
    if newest != first_code:
        stale = first.post("/v1/link/consumer_sessions/confirm_verification", {"code": first_code})
        assert stale.status_code == 400
    assert first.post("/v1/link/consumer_sessions/confirm_verification", {"code": newest}).status_code == 200


def test_secret_outside_its_binding_is_refused(server: LynkServer) -> None:
    shop, email, phone = _shopper(server)
    browser = Browser(server, shop)
    browser.login(email, phone)
    assert browser.post("/v1/link/payment_details/list").status_code == 200

    # The same browser and secret at another merchant.
    elsewhere = browser.at(make_merchant(server))
    elsewhere.secret = browser.secret
    refused = elsewhere.post("/v1/link/payment_details/list")
    assert refused.status_code == 401
    assert _error(refused)["code"] == "consumer_session_invalid"
    assert "another merchant" in _error(refused)["message"]

    # The secret without the browser's cookie (copied out of the page).
    thief = Browser(server, shop)
    thief.secret = browser.secret
    stolen = thief.post("/v1/link/payment_details/list")
    assert stolen.status_code == 401
    assert "another browser" in _error(stolen)["message"]

    # The cookie alone names no session.
    cookie_only = browser.post("/v1/link/payment_details/list", {"consumer_session_client_secret": "lcs_x_secret_y"})
    assert cookie_only.status_code == 401

    # Logged out is over; idle too long is over.
    assert browser.post("/v1/link/consumer_sessions/log_out").status_code == 200
    assert browser.post("/v1/link/payment_details/list").status_code == 401
    browser.login(email, phone)
    server.clock.advance(server.settings.link_session_idle_seconds + 1)
    idle = browser.post("/v1/link/payment_details/list")
    assert idle.status_code == 401 and "inactivity" in _error(idle)["message"]


def _start_of_next_window(server: LynkServer, window: int) -> None:
    """Move the clock to the start of a fixed window, so a burst of requests can't straddle two windows."""
    server.clock.advance(window - server.clock.now() % window)


def test_lookups_beyond_the_limit_are_refused(server: LynkServer) -> None:
    settings = server.runtime.settings
    window = settings.link_lookup_window_seconds
    _start_of_next_window(server, window)
    settings.link_lookups_per_ip = 5
    browser = Browser(server, make_merchant(server))
    answers = [browser.lookup(new_email()).status_code for _ in range(7)]
    assert answers == [200] * 5 + [429] * 2
    refused = browser.lookup(new_email())
    assert "Too many lookups" in _error(refused)["message"]
    assert refused.json()["error"]["retry_after"] <= window
    _start_of_next_window(server, window)
    assert browser.lookup(new_email()).status_code == 200

    # Per merchant too, whatever the IPs.
    settings.link_lookups_per_ip = 100_000
    saved = settings.link_lookups_per_merchant
    settings.link_lookups_per_merchant = 3
    try:
        _start_of_next_window(server, window)
        shop = Browser(server, make_merchant(server))
        answers = [shop.lookup(new_email()).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        assert "at this merchant" in _error(shop.lookup(new_email()))["message"]
        assert browser.lookup(new_email()).status_code == 200  # another merchant is not affected
    finally:
        settings.link_lookups_per_merchant = saved


def test_sends_are_limited_per_account(server: LynkServer) -> None:
    shop, email, phone = _shopper(server)
    browser = Browser(server, shop)
    browser.lookup(email)
    limit = server.settings.link_sends_per_account
    per_browser = server.settings.link_sends_per_source
    codes = []
    for _ in range(limit // per_browser):  # each browser may ask for a few codes; all together, `limit`
        browser = Browser(server, shop)
        browser.lookup(email)
        codes += [browser.post("/v1/link/consumer_sessions/start_verification").status_code for _ in range(per_browser)]
    browser = Browser(server, shop)
    browser.lookup(email)
    codes.append(browser.post("/v1/link/consumer_sessions/start_verification").status_code)
    assert codes == [200] * limit + [429]
    assert len(messages(server, shop, phone)) == min(limit, 10)  # the test helper lists the latest 10
    server.clock.advance(server.settings.link_send_window_seconds + 1)


@dataclass
class _Attack:
    verified: int = 0


@pytest.mark.slow
def test_ten_thousand_guesses_never_verify(server: LynkServer) -> None:
    """An attacker who owns many sessions (its own lookups, from many IPs) guesses 10,000 codes."""
    shop, email, phone = _shopper(server)
    scope = Scope(shop.id, False)
    rng = random.Random(6)
    ips = [f"203.0.113.{i}" for i in range(1, 101)]
    browsers = [sessions.new_browser_token() for _ in range(20)]
    runtime = server.runtime
    limiter = limiter_for(runtime.db)
    outcomes: Counter[str] = Counter()

    def ctx_for(session: object, ip: str, browser: str) -> service.LinkContext:
        caller = service.Caller(runtime.settings, limiter, ip, browser)
        return service.context(session, runtime.keyring, scope, int(server.clock.now()), caller)  # type: ignore[arg-type]

    async def open_sessions() -> list[str]:
        secrets: list[str] = []
        for index, browser in enumerate(browsers):
            async with runtime.db.transaction() as session:
                found = await sessions.lookup(ctx_for(session, ips[index], browser), email)
                assert found.secret is not None
                secrets.append(found.secret)
            async with runtime.db.transaction() as session:
                try:
                    await sessions.start_verification(ctx_for(session, ips[index], browser), found.secret, None)
                except LynkError as error:
                    outcomes[f"send refused: {error.code}"] += 1
        return secrets

    async def guess(secrets: list[str], number: int) -> None:
        which = rng.randrange(len(secrets))
        async with runtime.db.transaction() as session:
            try:
                await sessions.confirm_verification(
                    ctx_for(session, ips[number % len(ips)], browsers[which]),
                    secrets[which],
                    f"{rng.randrange(1_000_000):06d}",
                )
                outcomes["verified"] += 1
            except LynkError as error:
                outcomes[str(error.code)] += 1

    async def guesses(secrets: list[str], start: int, count: int) -> None:
        # A few at a time, as concurrent requests would arrive.
        for base in range(start, start + count, 8):
            await asyncio.gather(*(guess(secrets, n) for n in range(base, min(base + 8, start + count))))

    secrets = server.call(open_sessions)
    for start in range(0, 10_000, 1_000):
        server.call(lambda start=start: guesses(secrets, start, 1_000))  # type: ignore[misc]
    assert outcomes["verified"] == 0
    assert sum(n for k, n in outcomes.items() if not k.startswith("send")) == 10_000
    # Only a handful of guesses were ever compared: the account locked after the first few.
    assert outcomes["consumer_verification_code_invalid"] <= server.settings.link_failures_before_account_lock
    assert outcomes["consumer_verification_locked"] >= 9_900

    async def statuses() -> set[str]:
        async with runtime.db.transaction(write=False) as session:
            rows = (await session.scalars(select(LinkSession.status).where(LinkSession.merchant_id == shop.id))).all()
            return set(rows)

    assert server.call(statuses) == {"unverified"}

    # The real shopper is told when to come back, and can verify after the lock.
    browser = Browser(server, shop)
    browser.lookup(email)
    locked = browser.post("/v1/link/consumer_sessions/start_verification")
    assert locked.status_code == 429 and "try again in" in _error(locked)["message"]
    server.clock.advance(server.settings.link_lock_seconds + server.settings.link_send_window_seconds)
    browser.lookup(email)
    assert browser.verify(phone)["status"] == "verified"


def test_a_session_secret_is_never_kept_for_idempotent_replay(server: LynkServer) -> None:
    shop, email, _phone = _shopper(server)
    browser = Browser(server, shop)
    headers = {"Idempotency-Key": "lookup-1"}
    auth = (shop.publishable_key, "")
    first = browser.http.post("/v1/link/consumers/lookup", data={"email_address": email}, headers=headers, auth=auth)
    again = browser.http.post("/v1/link/consumers/lookup", data={"email_address": email}, headers=headers, auth=auth)
    assert "idempotent-replayed" not in again.headers
    assert first.json()["consumer_session"]["client_secret"] != again.json()["consumer_session"]["client_secret"]
