"""A second Lynk server acting as Stripe, and processors at merchant A pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer, running_server


@dataclass(frozen=True)
class Acquirer:
    """Merchant B's account at the second Lynk: what A's Stripe connector charges through."""

    server: LynkServer
    keys: MerchantKeys

    @property
    def client(self) -> stripe.StripeClient:
        return sdk_client(self.server, self.keys.secret_key)


@pytest.fixture(scope="module")
def stripe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LynkServer]:
    """The second Lynk, in the role of Stripe (its test mode knows Stripe's test card numbers)."""
    with running_server("sqlite", tmp_path_factory.mktemp("lynk-as-stripe")) as running:
        yield running


@pytest.fixture
def acquirer(stripe_server: LynkServer) -> Acquirer:
    return Acquirer(stripe_server, make_merchant(stripe_server, "Acquiring account"))


def add_processor(server: LynkServer, merchant: MerchantKeys, **params: Any) -> dict[str, Any]:
    """POST /v1/lynk/processors at A with the merchant's secret key."""
    response = httpx.post(
        f"{server.base_url}/v1/lynk/processors",
        data=params,
        headers={"Authorization": f"Bearer {merchant.secret_key}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stripe_processor(server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer, **extra: Any) -> str:
    created = add_processor(
        server,
        merchant,
        kind="stripe",
        secret_key=acquirer.keys.secret_key,
        api_base=acquirer.server.base_url,
        **extra,
    )
    return str(created["id"])


def lynk_processor(charge: Any) -> dict[str, Any]:
    """The charge's `lynk_processor` extension field, as the SDK returns it."""
    value = charge["lynk_processor"]
    assert value is not None
    return {"id": value["id"], "reference": value["reference"]}
