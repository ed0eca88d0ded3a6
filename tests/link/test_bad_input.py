"""No input to the consumer API reaches a 500: random parameters get Stripe's error JSON with a 4xx."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.link.support import Browser, new_email, new_phone, pay_and_opt_in
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer

PATHS = [
    "/v1/link/consumers/lookup",
    "/v1/link/consumers",
    "/v1/link/consumer_sessions/start_verification",
    "/v1/link/consumer_sessions/confirm_verification",
    "/v1/link/payment_details",
    "/v1/link/payment_details/csmrpd_x",
    "/v1/link/shipping_addresses",
    "/v1/link/grants/lgrant_x/revoke",
    "/v1/link/devices/ldev_x/log_out",
    "/v1/link/account/delete",
]
KEYS = st.sampled_from(
    [
        "email_address",
        "phone_number",
        "code",
        "type",
        "card[number]",
        "card[exp_month]",
        "is_default",
        "address[line1]",
        "remember_me",
        "consumer_session_client_secret",
        "nickname",
        "country",
        "x[y][z]",
    ]
)
VALUES = st.one_of(st.text(max_size=40), st.sampled_from(["", "true", "99", "+14155550123", "a@b.co", "\x00"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), body=st.dictionaries(KEYS, VALUES, max_size=4), verified=st.booleans())
def test_random_parameters_never_give_a_500(
    server: LynkServer, path: str, body: dict[str, str], verified: bool
) -> None:
    browser = _verified(server) if verified else Browser(server, _merchant(server))
    response = browser.post(path, body, with_secret=verified)
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.text
    if response.status_code != 200:
        assert {"type", "message"} <= set(response.json()["error"])


_MERCHANTS: dict[str, MerchantKeys] = {}
_VERIFIED: dict[str, Browser] = {}


def _merchant(server: LynkServer) -> MerchantKeys:
    if server.backend not in _MERCHANTS:
        _MERCHANTS[server.backend] = make_merchant(server)
    return _MERCHANTS[server.backend]


def _verified(server: LynkServer) -> Browser:
    key = server.backend
    if key not in _VERIFIED:
        shop = make_merchant(server)
        email, phone = new_email(), new_phone()
        pay_and_opt_in(server, shop, email, phone)
        browser = Browser(server, shop)
        browser.login(email, phone)
        _VERIFIED[key] = browser
    found = _VERIFIED[key]
    # Keep the session alive whatever other tests did to the clock.
    if found.post("/v1/link/payment_details/list").status_code != 200:
        del _VERIFIED[key]
        return _verified(server)
    return found


def test_a_json_body_is_refused(server: LynkServer) -> None:
    shop = make_merchant(server)
    response = httpx.post(
        f"{server.base_url}/v1/link/consumers/lookup", json={"email_address": "a@b.co"}, auth=(shop.publishable_key, "")
    )
    assert response.status_code == 400
