"""Trusted devices ("remember me") and the network's figures per merchant."""

from __future__ import annotations

import httpx

from tests.link.support import (
    Browser,
    latest_code,
    link_intent,
    new_email,
    new_phone,
    pay_and_opt_in,
    pay_with_link,
)
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer


def test_a_remembered_browser_skips_the_code_everywhere_until_logged_out(server: LynkServer) -> None:
    shop_a, shop_b = make_merchant(server), make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop_a, email, phone)
    browser = Browser(server, shop_a)
    browser.lookup(email)
    browser.post("/v1/link/consumer_sessions/start_verification")
    remembered = browser.post(
        "/v1/link/consumer_sessions/confirm_verification",
        {"code": latest_code(server, shop_a, phone), "remember_me": "true"},
    )
    cookie = remembered.headers["set-cookie"]
    assert "lynk_device=" in cookie and "HttpOnly" in cookie and "SameSite" in cookie.replace("samesite", "SameSite")

    # The same browser at merchant B: recognised and verified at lookup, and it pays.
    at_b = browser.at(shop_b)
    found = at_b.lookup(email).json()
    assert found["trusted_device"] is True and found["consumer_session"]["status"] == "verified"
    assert pay_with_link(at_b, link_intent(server, shop_b)).json()["status"] == "succeeded"

    # The device cookie without its browser cookie is worth nothing: a new device needs a code.
    thief = Browser(server, shop_b)
    thief.http.cookies.set("lynk_device", browser.http.cookies["lynk_device"])
    stolen = thief.lookup(email).json()
    assert stolen["trusted_device"] is False and stolen["consumer_session"]["status"] == "unverified"
    assert pay_with_link(thief, link_intent(server, shop_b)).status_code == 403

    # The shopper lists devices and logs this one out; its sessions end, and the next lookup needs a code.
    devices = at_b.post("/v1/link/devices/list").json()["data"]
    assert len(devices) == 1 and devices[0]["logged_out"] is False
    assert at_b.post(f"/v1/link/devices/{devices[0]['id']}/log_out").json()["logged_out"] is True
    assert at_b.post("/v1/link/payment_details/list").status_code == 401
    assert at_b.lookup(email).json()["consumer_session"]["status"] == "unverified"


def test_trust_ends_after_the_trust_period(server: LynkServer) -> None:
    shop = make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop, email, phone)
    browser = Browser(server, shop)
    browser.lookup(email)
    browser.post("/v1/link/consumer_sessions/start_verification")
    browser.post(
        "/v1/link/consumer_sessions/confirm_verification",
        {"code": latest_code(server, shop, phone), "remember_me": "true"},
    )
    assert browser.lookup(email).json()["trusted_device"] is True
    server.clock.advance(server.settings.link_device_trust_days * 86400 + 1)
    assert browser.lookup(email).json()["trusted_device"] is False


def test_metrics_per_merchant(server: LynkServer) -> None:
    shop = make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, make_merchant(server), email, phone)
    browser = Browser(server, shop)
    browser.lookup(new_email())  # not recognised
    browser.login(email, phone)
    server.clock.advance(30)
    assert pay_with_link(browser, link_intent(server, shop)).json()["status"] == "succeeded"
    figures = httpx.get(f"{server.base_url}/v1/link/metrics", auth=(shop.secret_key, "")).json()
    median = figures.pop("median_seconds_lookup_to_payment")
    assert 30 <= median <= 40  # the server's clock moved 30 s, and real time passes too
    assert figures == {
        "object": "link.metrics",
        "livemode": False,
        "lookups": 2,
        "recognised_shoppers": 1,
        "verifications_started": 1,
        "verifications_passed": 1,
        "link_payments": 1,
    }
    publishable = httpx.get(f"{server.base_url}/v1/link/metrics", auth=(shop.publishable_key, ""))
    assert publishable.status_code == 401
