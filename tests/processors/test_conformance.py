"""Every connector passes the same conformance test: the simulator, and the Stripe connector against a
second Lynk acting as Stripe."""

from __future__ import annotations

import asyncio
import uuid

from lynk.connectors import Simulator
from lynk.connectors.stripe_api import StripeConnector
from tests.connectors.conformance import check_connector, detokenize
from tests.processors.support import Acquirer, acquirer, stripe_server

__all__ = ["acquirer", "stripe_server"]  # fixtures


def test_the_simulator_conforms() -> None:
    asyncio.run(check_connector(Simulator(), uuid.uuid4().hex))


def test_the_stripe_connector_conforms(acquirer: Acquirer) -> None:
    connector = StripeConnector(
        secret_key=acquirer.keys.secret_key, api_base=acquirer.server.base_url, detokenize=detokenize
    )
    asyncio.run(check_connector(connector, uuid.uuid4().hex))
