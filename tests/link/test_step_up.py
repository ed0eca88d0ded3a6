"""Account takeover step-up (issue 16 item 7): a verification from a new device and a new IP address must
confirm a second code before it saves a card or an address, or pays to an address the account has not
saved; such a payment scores higher; the shopper's known device does not step up; the upkeep forgets a
network unused for half a year, but never all of an idle account's."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.api import maintenance
from lynk.link import step_up
from lynk.models import LinkSession, LinkSource
from tests.link.support import Browser, latest_code, link_intent, new_email, new_phone, pay_and_opt_in, pay_with_link
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer

ADDRESS = {
    "name": "Ada Shopper",
    "address[line1]": "1 Quay Street",
    "address[city]": "Dublin",
    "address[postal_code]": "D02 XY45",
    "address[country]": "IE",
}


def _elsewhere(browser: Browser) -> Browser:
    """`browser`, or a copy with its cookies, whose requests come from another address (127.0.0.2)."""
    moved = Browser(browser.server, browser.merchant)
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    moved.http = httpx.Client(base_url=browser.server.base_url, timeout=30, transport=transport)
    moved.http.cookies = browser.http.cookies
    return moved


def _shopper(server: LynkServer) -> tuple[MerchantKeys, str, str, Browser]:
    """A shopper born from a payment, who then logs in from her own browser (which Link remembers)."""
    shop = make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop, email, phone)
    own = Browser(server, shop)
    own.login(email, phone)
    return shop, email, phone, own


def _step_up(browser: Browser, phone: str) -> None:
    started = browser.post("/v1/link/consumer_sessions/start_verification", {"type": "sms"})
    assert started.status_code == 200, started.text
    code = latest_code(browser.server, browser.merchant, phone)
    confirmed = browser.post("/v1/link/consumer_sessions/confirm_verification", {"code": code})
    assert confirmed.status_code == 200, confirmed.text


def _refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 403, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "consumer_session_step_up_required"
    assert error["param"] == "consumer_session_client_secret"
    return error


def test_a_new_device_on_a_new_network_confirms_a_second_code_before_changing_the_account(
    server: LynkServer,
) -> None:
    shop, email, phone, _own = _shopper(server)
    stranger = _elsewhere(Browser(server, shop))
    stranger.login(email, phone)
    assert stranger.post("/v1/link/payment_details/list").status_code == 200  # she can see her wallet

    error = _refused(stranger.post("/v1/link/shipping_addresses", ADDRESS))
    assert "Confirm it's you again" in error["message"]
    card = {"card[number]": "4000056655665556", "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123"}
    _refused(stranger.post("/v1/link/payment_details", card))
    assert stranger.post("/v1/link/shipping_addresses/list").json()["data"] == []

    _step_up(stranger, phone)
    assert stranger.post("/v1/link/shipping_addresses", ADDRESS).status_code == 200
    assert stranger.post("/v1/link/payment_details", card).status_code == 200

    # Her step-up made this browser hers: its next login changes the account at once.
    again = _elsewhere(stranger)
    again.login(email, phone)
    assert again.post("/v1/link/shipping_addresses", {**ADDRESS, "address[line1]": "2 Quay St"}).status_code == 200


def _log_in_remembered(browser: Browser, email: str, phone: str) -> None:
    """Log in with the code, ticking "Remember this device" (`remember_me`)."""
    assert browser.lookup(email).json()["exists"] is True
    assert browser.post("/v1/link/consumer_sessions/start_verification", {"type": "sms"}).status_code == 200
    code = latest_code(browser.server, browser.merchant, phone)
    confirmed = browser.post("/v1/link/consumer_sessions/confirm_verification", {"code": code, "remember_me": "true"})
    assert confirmed.status_code == 200, confirmed.text


def test_a_session_that_owes_its_step_up_does_not_make_a_trusted_device(server: LynkServer) -> None:
    shop, email, phone, _own = _shopper(server)
    stranger = _elsewhere(Browser(server, shop))
    _log_in_remembered(stranger, email, phone)  # a phished code, "Remember this device" ticked
    assert "lynk_device" not in stranger.http.cookies
    again = stranger.lookup(email).json()
    assert again["trusted_device"] is False and again["consumer_session"]["status"] != "verified"
    stranger.verify(phone)
    _refused(stranger.post("/v1/link/shipping_addresses", ADDRESS))  # still owes the step-up

    _step_up(stranger, phone)  # she confirms it's her: the next log-in may remember this browser
    _log_in_remembered(stranger, email, phone)
    assert "lynk_device" in stranger.http.cookies
    trusted = stranger.lookup(email).json()
    assert trusted["trusted_device"] is True and trusted["consumer_session"]["status"] == "verified"
    assert stranger.post("/v1/link/shipping_addresses", ADDRESS).status_code == 200


def test_the_known_device_on_a_new_network_does_not_step_up(server: LynkServer) -> None:
    _shop, email, phone, own = _shopper(server)
    travelling = _elsewhere(own)  # her own browser (its cookies), from another network
    travelling.login(email, phone)
    assert travelling.post("/v1/link/shipping_addresses", ADDRESS).status_code == 200


def test_paying_to_a_new_address_steps_up_and_scores_higher(server: LynkServer) -> None:
    shop, email, phone, own = _shopper(server)
    assert own.post("/v1/link/shipping_addresses", ADDRESS).status_code == 200  # her saved address
    stranger = _elsewhere(Browser(server, shop))
    stranger.login(email, phone)

    saved = _intent_shipping_to(server, shop, "1 Quay Street")
    paid = pay_with_link(stranger, saved)  # to her saved address: no step-up, but the score notices
    assert paid.status_code == 200, paid.text
    charge = _charge(server, shop, saved["id"])
    signals = {item["signal"]: item for item in charge["outcome"]["explanation"]}
    assert signals["is_new_device_on_link"]["points"] > 0  # the trained model's share: see docs/fraud.md

    elsewhere = _intent_shipping_to(server, shop, "99 Drop Lane")
    _refused(pay_with_link(stranger, elsewhere))
    _step_up(stranger, phone)
    paid = pay_with_link(stranger, elsewhere)
    assert paid.status_code == 200 and paid.json()["status"] == "succeeded", paid.text

    # From her own browser the same payment needs no second code, and scores no new-device points.
    ordinary = _intent_shipping_to(server, shop, "7 Other Road")
    own_pay = pay_with_link(own, ordinary)
    assert own_pay.status_code == 200, own_pay.text
    charge = _charge(server, shop, ordinary["id"])
    assert "is_new_device_on_link" not in {item["signal"] for item in charge["outcome"]["explanation"]}


def _intent_shipping_to(server: LynkServer, shop: MerchantKeys, line1: str) -> dict[str, Any]:
    intent = link_intent(server, shop)
    response = httpx.post(
        f"{server.base_url}/v1/payment_intents/{intent['id']}",
        data={
            "shipping[name]": "Ada Shopper",
            "shipping[address][line1]": line1,
            "shipping[address][city]": "Dublin",
            "shipping[address][postal_code]": "D02 XY45",
            "shipping[address][country]": "IE",
        },
        auth=(shop.secret_key, ""),
    )
    assert response.status_code == 200, response.text
    return intent


def _charge(server: LynkServer, shop: MerchantKeys, intent_id: str) -> dict[str, Any]:
    """The intent's latest charge, with its explanation."""
    intent = httpx.get(f"{server.base_url}/v1/payment_intents/{intent_id}", auth=(shop.secret_key, "")).json()
    response = httpx.get(
        f"{server.base_url}/v1/charges/{intent['latest_charge']}",
        params={"expand[]": "outcome.explanation"},
        auth=(shop.secret_key, ""),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _account_id(server: LynkServer, browser: Browser) -> str:
    session_id = (browser.secret or "").partition("_secret_")[0]
    found = server.write(lambda s: s.scalar(select(LinkSession.account_id).where(LinkSession.id == session_id)))
    assert found is not None
    return str(found)


def _age(server: LynkServer, account_id: str, values: list[str], seconds: int) -> None:
    """Her sources `values` (IP addresses and browser bindings) were last verified from `seconds` ago."""
    hashes = [step_up._hash(account_id, value) for value in values]
    last_seen = int(server.clock.now()) - seconds
    stmt = (
        update(LinkSource)
        .where(LinkSource.account_id == account_id, LinkSource.value_hash.in_(hashes))
        .values(last_seen=last_seen)
    )
    server.write(lambda s: s.execute(stmt))


def test_the_upkeep_forgets_a_network_unused_for_half_a_year(server: LynkServer) -> None:
    shop, email, phone, own = _shopper(server)  # her browser on 127.0.0.1
    away = _elsewhere(Browser(server, shop))  # then her phone on 127.0.0.2, confirmed with a second code
    away.login(email, phone)
    _step_up(away, phone)
    account_id = _account_id(server, own)

    laptop = Browser(server, shop)  # a new browser on her first network: familiar by its address
    laptop.login(email, phone)
    assert laptop.post("/v1/link/shipping_addresses", ADDRESS).status_code == 200

    # That network and its browsers were last used half a year and a day ago; her phone's, just now.
    first = ["127.0.0.1", own.http.cookies["lynk_browser"], laptop.http.cookies["lynk_browser"]]
    _age(server, account_id, first, (step_up.SOURCE_RETENTION_DAYS + 1) * 86400)
    upkeep = server.call(lambda: maintenance.run_once(server.runtime))
    assert upkeep.purged_link_sources >= 3

    again = Browser(server, shop)  # a new browser on the forgotten network steps up now
    again.login(email, phone)
    _refused(again.post("/v1/link/shipping_addresses", ADDRESS))
    back = _elsewhere(away)  # her phone's browser and network are still hers
    back.login(email, phone)
    assert back.post("/v1/link/shipping_addresses", {**ADDRESS, "address[line1]": "3 Quay St"}).status_code == 200


def test_the_upkeep_keeps_the_sources_of_an_account_nobody_verified_lately(server: LynkServer) -> None:
    """Forgetting all of an idle account's sources would let its next verification, from anywhere, count as
    its first familiar one: an idle account keeps them, and a source younger than the retention stays."""
    now = int(server.clock.now())
    idle, active = f"csmr_idle{uuid.uuid4().hex[:12]}", f"csmr_used{uuid.uuid4().hex[:12]}"
    retention = step_up.SOURCE_RETENTION_DAYS * 86400
    rows = [
        (idle, "ip", now - retention - 86400),
        (idle, "browser", now - 2 * retention),
        (active, "ip", now - retention - 60),  # forgotten
        (active, "ip", now - retention - (step_up.SWEEP_DAYS + 1) * 86400),  # past the sweep: left to her next login
        (active, "browser", now - retention + 3600),  # kept: not yet half a year
        (active, "browser", now - 60),  # kept: she was verified from here a minute ago
    ]

    async def seed(session: AsyncSession) -> None:
        for account_id, kind, seen in rows:
            session.add(
                LinkSource(
                    account_id=account_id, kind=kind, value_hash=uuid.uuid4().hex, first_seen=seen, last_seen=seen
                )
            )

    server.write(seed)
    server.call(lambda: maintenance.run_once(server.runtime))

    async def left(session: AsyncSession) -> dict[str, int]:
        stmt = select(LinkSource.account_id, func.count()).where(LinkSource.account_id.in_([idle, active]))
        return {account: int(count) for account, count in (await session.execute(stmt.group_by("account_id"))).all()}

    assert server.write(left) == {idle: 2, active: 3}


def test_a_verification_forgets_the_sources_the_upkeep_did_not_reach(server: LynkServer) -> None:
    """Sources past the retention that the upkeep's sweep missed (a long pause) go at the next verification
    of their account from a source it knows."""
    shop, email, phone, own = _shopper(server)  # her browser on 127.0.0.1
    away = _elsewhere(Browser(server, shop))
    away.login(email, phone)
    _step_up(away, phone)  # her phone on 127.0.0.2 is hers too
    account_id = _account_id(server, own)
    days = step_up.SOURCE_RETENTION_DAYS + step_up.SWEEP_DAYS + 30
    _age(server, account_id, ["127.0.0.1", own.http.cookies["lynk_browser"]], days * 86400)
    server.call(lambda: maintenance.run_once(server.runtime))
    kept = Browser(server, shop)  # the upkeep left them: a new browser there is still familiar
    kept.login(email, phone)
    assert kept.post("/v1/link/shipping_addresses", ADDRESS).status_code == 200
    _age(server, account_id, ["127.0.0.1", kept.http.cookies["lynk_browser"]], days * 86400)

    _elsewhere(away).login(email, phone)  # she logs in on her phone: the old network is forgotten now
    again = Browser(server, shop)
    again.login(email, phone)
    _refused(again.post("/v1/link/shipping_addresses", {**ADDRESS, "address[line1]": "4 Quay St"}))
