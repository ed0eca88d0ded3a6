"""A consumer session's secret is accepted only in a request body, never in a URL (docs/link.md):
in a query string it is refused, whatever the route, and the session stays usable from the body."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.link.support import Browser, new_email, new_phone, pay_and_opt_in
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


def test_a_session_secret_in_the_query_string_is_refused(server: LynkServer, merchant: MerchantKeys) -> None:
    server.clock.advance(server.settings.link_send_window_seconds)  # earlier tests may have used this window
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, merchant, email, phone)
    browser = Browser(server, merchant)
    browser.login(email, phone)
    assert browser.secret is not None
    auth = (merchant.publishable_key, "")
    for path, name in (
        ("/v1/link/payment_details/list", "consumer_session_client_secret"),
        ("/v1/link/account", "consumer_session_client_secret"),
        ("/v1/payment_intents/pi_x/confirm", "payment_method_data[link][consumer_session_client_secret]"),
    ):
        query = urlencode({name: browser.secret})
        refused = browser.http.post(f"{path}?{query}", auth=auth)
        assert refused.status_code == 400, path
        error = refused.json()["error"]
        assert (error["type"], error["param"]) == ("invalid_request_error", name)
        assert browser.secret not in refused.text
        assert browser.http.get(f"{path}?{query}", auth=auth).status_code == 400
    listed = browser.post("/v1/link/payment_details/list")  # the same secret, in the body
    assert listed.status_code == 200 and listed.json()["data"]
