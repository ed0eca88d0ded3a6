"""Fixtures the checkout tests share: a second merchant."""

from __future__ import annotations

import pytest

from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


@pytest.fixture
def merchant_b(server: LynkServer) -> MerchantKeys:
    return make_merchant(server, "Merchant B")
