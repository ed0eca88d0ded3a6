"""Every connector passes the same conformance test: the simulator, the Stripe connector against a
second Lynk acting as Stripe, and the Adyen connector against a fake of Adyen's Checkout API."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from lynk.connectors import (
    NOT_INCREMENTABLE,
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
    IncrementRequest,
    OperationStatus,
    Simulator,
)
from lynk.connectors.adyen import AdyenConnector
from lynk.connectors.stripe_api import StripeConnector
from tests.connectors.conformance import auth_request, check_connector, detokenize
from tests.processors.adyen_fake import API_KEY, MERCHANT, fake_adyen
from tests.processors.database_store import on_a_database_of_its_own
from tests.processors.support import Acquirer, acquirer, stripe_server
from tests.servers import backends

__all__ = ["acquirer", "stripe_server"]  # fixtures


def test_the_simulator_conforms() -> None:
    asyncio.run(check_connector(Simulator(), uuid.uuid4().hex))


@pytest.mark.parametrize("backend", backends())
def test_the_simulator_conforms_with_its_state_in_the_database(backend: str, tmp_path: Path) -> None:
    """With the store `lynk serve` gives it, on a database of its own: the contract's keys name test card numbers,
    which the suite's shared database must never hold. A call's first try takes its key for new without looking
    it up, so a replay, a key reused with other parameters, and fifty calls at once under one key must still come
    out as one operation."""

    async def check(simulator: Simulator, prefix: str) -> list[AuthorizeResult]:
        await check_connector(simulator, prefix)
        before = simulator.authorizations
        burst = (simulator.authorize(auth_request(key=f"{prefix}:burst")) for _ in range(50))
        results = list(await asyncio.gather(*burst))
        assert simulator.authorizations == before + 1
        return results

    results = on_a_database_of_its_own(backend, tmp_path, check)
    assert {result.reference for result in results} == {results[0].reference}


def test_the_stripe_connector_conforms(acquirer: Acquirer) -> None:
    connector = StripeConnector(
        secret_key=acquirer.keys.secret_key, api_base=acquirer.server.base_url, detokenize=detokenize
    )
    asyncio.run(check_connector(connector, uuid.uuid4().hex))


def test_the_adyen_connector_conforms() -> None:
    with fake_adyen() as fake:
        connector = AdyenConnector(api_key=API_KEY, merchant_account=MERCHANT, api_base=fake.url, detokenize=detokenize)
        asyncio.run(check_connector(connector, uuid.uuid4().hex))


def test_the_stripe_connector_increments_an_authorization(acquirer: Acquirer) -> None:
    """Asked as incrementable, a Visa authorization at the upstream (a second Lynk) is raised there."""
    connector = StripeConnector(
        secret_key=acquirer.keys.secret_key, api_base=acquirer.server.base_url, detokenize=detokenize
    )
    prefix = uuid.uuid4().hex

    async def run() -> None:
        held = await connector.authorize(auth_request(key=f"{prefix}:a", incremental_authorization=True))
        assert held.status is AuthorizeStatus.AUTHORIZED and held.incremental_authorization, held
        grown = await connector.increment_authorization(IncrementRequest(f"{prefix}:i", held.reference, 3000))
        assert grown.status is OperationStatus.SUCCEEDED, grown
        declined = await connector.increment_authorization(IncrementRequest(f"{prefix}:d", held.reference, 1_000_000))
        assert declined.code == "card_declined", declined
        assert (await connector.capture(CaptureRequest(f"{prefix}:c", held.reference, 3000))).succeeded
        plain = await connector.authorize(auth_request(key=f"{prefix}:p"))
        assert not plain.incremental_authorization
        refused = await connector.increment_authorization(IncrementRequest(f"{prefix}:r", plain.reference, 3000))
        assert refused.code == NOT_INCREMENTABLE, refused

    asyncio.run(run())
