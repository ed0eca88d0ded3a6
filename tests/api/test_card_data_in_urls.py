"""Card numbers, CVCs and bank account numbers are refused in a query string, on every route, and the
access log line of such a request is masked by uvicorn's own formatter without a logging error."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


class _Capture(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.failures: list[logging.LogRecord] = []
        self.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))

    def handleError(self, record: logging.LogRecord) -> None:
        self.failures.append(record)

    @property
    def text(self) -> str:
        return self.stream.getvalue()  # type: ignore[no-any-return]


@pytest.fixture
def access_log() -> Iterator[_Capture]:
    """uvicorn's access log, through uvicorn's formatter, as `lynk serve` prints it."""
    capture = _Capture()
    logger = logging.getLogger("uvicorn.access")
    logger.addHandler(capture)
    try:
        yield capture
    finally:
        logger.removeHandler(capture)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("type=card&card[number]=4000%200566%205566%205556&card[cvc]=739", "card[number]"),
        ("type=card&card%5Bnumber%5D=4000+0566+5566+5556", "card[number]"),
        ("type=card&card[cvc]=739", "card[cvc]"),
        ("type=us_bank_account&us_bank_account%5Baccount_number%5D=000123456789", "us_bank_account[account_number]"),
    ],
)
def test_card_data_in_a_query_string_is_refused_and_masked_in_the_access_log(
    server: LynkServer, merchant: MerchantKeys, access_log: _Capture, query: str, param: str
) -> None:
    response = httpx.post(f"{server.base_url}/v1/payment_methods?{query}", auth=(merchant.secret_key, ""))
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    assert "query string" in error["message"] and "body" in error["message"]
    assert sdk_client(server, merchant.secret_key).v1.payment_methods.list(params={"type": "card"}).data == []
    line = next(line for line in access_log.text.splitlines() if "/v1/payment_methods?" in line)
    assert access_log.failures == []
    assert not [secret for secret in ("0566", "=739", "000123456789") if secret in line]
    assert "=***" in line and line.endswith("400 Bad Request")


def test_every_route_refuses_card_data_in_the_url(server: LynkServer, merchant: MerchantKeys) -> None:
    for url in (
        f"{server.base_url}/v1/customers?card[cvc]=123",
        f"{server.base_url}/3ds/pi_123?client_secret=x&card[number]=4242424242424242",
        f"{server.base_url}/js/v1/lynk.js?number=4242424242424242",
    ):
        response = httpx.get(url, auth=(merchant.secret_key, ""))
        assert response.status_code == 400, url
        assert response.json()["error"]["type"] == "invalid_request_error"


def test_card_data_in_the_body_still_works(server: LynkServer, merchant: MerchantKeys) -> None:
    response = httpx.post(
        f"{server.base_url}/v1/payment_methods?type=card",
        data={
            "card[number]": "4000056655665556",
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "739",
        },
        auth=(merchant.secret_key, ""),
    )
    assert response.status_code == 200 and response.json()["card"]["last4"] == "5556"
