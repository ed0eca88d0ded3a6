"""Fixtures the checkout tests share: room for many Link shoppers from one IP, and a second merchant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


@pytest.fixture
def roomy_ip_limits(server: LynkServer) -> Iterator[None]:
    """Every shopper here comes from 127.0.0.1: raise the per-IP Link limits for the tests that ask."""
    settings = server.runtime.settings
    saved = settings.link_lookups_per_ip, settings.link_sends_per_ip
    settings.link_lookups_per_ip, settings.link_sends_per_ip = 100_000, 100_000
    try:
        yield
    finally:
        settings.link_lookups_per_ip, settings.link_sends_per_ip = saved


@pytest.fixture
def merchant_b(server: LynkServer) -> MerchantKeys:
    return make_merchant(server, "Merchant B")
