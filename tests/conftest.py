"""Fixtures: one real server per database backend, merchants with keys, SDK clients."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from uvicorn.logging import AccessFormatter

from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer, backends, running_server

LOGGING_ERROR = "LOGGING ERROR: a handler failed to format a record"
# Every shopper of the shared server comes from 127.0.0.1: its per-IP Link limits (lookups, codes sent) have
# room for the whole run, so no test depends on how many Link tests ran before it in the window. A test
# about those limits lowers them itself, then puts them back.
ROOMY_IP_LIMITS = {"link_lookups_per_ip": 100_000, "link_sends_per_ip": 100_000}


class _LogFile(logging.FileHandler):
    """A log file that notes, in itself, every record a formatter failed on (logging would only print it)."""

    def handleError(self, record: logging.LogRecord) -> None:
        self.stream.write(f"{LOGGING_ERROR} ({record.name}, {record.msg!r})\n")


@pytest.fixture(scope="session", autouse=True)
def lynk_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every log line of the run, as an operator would collect it (scanned for card data at the end): every
    logger through a plain formatter, and uvicorn's access log also through uvicorn's own formatter, as
    `lynk serve` prints it."""
    path = tmp_path_factory.mktemp("logs") / "lynk.log"
    handler = _LogFile(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    access = _LogFile(path)
    access.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("uvicorn.access").addHandler(access)
    try:
        yield path
    finally:
        logging.getLogger("uvicorn.access").removeHandler(access)
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()
        access.close()


@pytest.fixture(scope="session", params=backends())
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LynkServer]:
    """A running Lynk server on a fresh database, shared by the tests of one backend."""
    tmp: Path = tmp_path_factory.mktemp(f"lynk-{request.param}")
    with running_server(request.param, tmp, **ROOMY_IP_LIMITS) as running:
        yield running


@pytest.fixture
def merchant(server: LynkServer) -> MerchantKeys:
    """A new merchant with test-mode keys, so each test sees only its own data."""
    return make_merchant(server)


@pytest.fixture
def client(server: LynkServer, merchant: MerchantKeys) -> stripe.StripeClient:
    """The official SDK, pointed at Lynk, with the merchant's secret key."""
    return sdk_client(server, merchant.secret_key)


def sdk_client(server: LynkServer, key: str, *, retries: int = 0) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": server.base_url}, max_network_retries=retries)
