"""A second merchant, to show that catalogues are separate."""

from __future__ import annotations

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer


@pytest.fixture
def other_client(server: LynkServer) -> stripe.StripeClient:
    return sdk_client(server, make_merchant(server).secret_key)
