"""Processor accounts: added, listed and removed through the API and the `lynk` command; credentials
sealed and never shown; live mode pays once a live processor is configured."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from lynk.core.scope import Scope
from lynk.models import ProcessorAccount
from lynk.processors import service as processors
from lynk.vault import service as vault
from lynk.vault.keyring import Keyring, new_key_text
from tests.cli.test_cli import LYNK
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_live_keys, make_merchant
from tests.processors.support import Acquirer, acquirer, add_processor, lynk_processor, stripe_server
from tests.servers import LynkServer

__all__ = ["acquirer", "stripe_server"]  # fixtures
REAL_LOOKING = "4539148803436467"  # Luhn-valid, not one of Stripe's test numbers


def _api(server: LynkServer, key: str, method: str, path: str = "", **data: Any) -> httpx.Response:
    return httpx.request(
        method,
        f"{server.base_url}/v1/lynk/processors{path}",
        data=data or None,
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


def test_the_api_adds_lists_and_removes_processors_and_never_shows_the_key(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    secret = "sk_test_processor_credential_0123456789"
    created = add_processor(
        server, merchant, kind="stripe", secret_key=secret, name="Main", **{"routing[currencies][0]": "EUR"}
    )
    assert created["id"].startswith("proc_")
    assert (created["object"], created["kind"], created["name"], created["livemode"]) == (
        "lynk.processor",
        "stripe",
        "Main",
        False,
    )
    assert created["routing"]["currencies"] == ["eur"]
    listed = _api(server, merchant.secret_key, "GET")
    assert [p["id"] for p in listed.json()["data"]] == [created["id"]]
    assert secret not in listed.text
    assert secret not in _api(server, merchant.secret_key, "GET", f"/{created['id']}").text

    async def stored(session: Any) -> bytes:
        row = (await session.scalars(select(ProcessorAccount).where(ProcessorAccount.id == created["id"]))).one()
        return bytes(row.ciphertext) + bytes(row.wrapped_key)

    assert secret.encode() not in server.write(stored)  # sealed by the vault

    other = make_merchant(server)
    assert _api(server, other.secret_key, "GET", f"/{created['id']}").status_code == 404
    assert _api(server, other.secret_key, "DELETE", f"/{created['id']}").status_code == 404
    assert _api(server, merchant.secret_key, "DELETE", f"/{created['id']}").json()["deleted"] is True
    assert _api(server, merchant.secret_key, "GET").json()["data"] == []


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"kind": "paypal", "secret_key": "k"}, "kind"),
        ({"kind": "stripe"}, "secret_key"),
        ({"kind": "stripe", "secret_key": "k", "routing[currencies][0]": "eu1"}, "currencies"),
        ({"kind": "stripe", "secret_key": "k", "routing[min_amount]": "5", "routing[max_amount]": "1"}, "min_amount"),
        ({"kind": "stripe", "secret_key": "k", "api_base": "ftp://x"}, "api_base"),
        # A host name IDNA cannot encode was a 500 (found by the contract fuzz).
        ({"kind": "stripe", "secret_key": "k", "api_base": "http://\x80"}, "api_base"),
        ({"kind": "stripe", "secret_key": "k", "api_base": "https://a..b"}, "api_base"),
        ({"kind": "stripe", "secret_key": "k", "api_base": "http://&U]x"}, "api_base"),
    ],
)
def test_bad_input_is_a_stripe_shaped_error(
    server: LynkServer, merchant: MerchantKeys, params: dict[str, str], param: str
) -> None:
    response = _api(server, merchant.secret_key, "POST", **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert param in (error.get("param") or "")


@pytest.fixture
def cli_env(server: LynkServer) -> dict[str, str]:
    """The `lynk` command on server A's own database and master key, as its operator runs it."""
    plain = server.database_url.replace("+asyncpg", "").replace("+aiosqlite", "")
    home = server.settings.home / "cli"
    assert server.settings.master_key is not None
    return {
        **os.environ,
        "LYNK_HOME": str(home),
        "LYNK_DATABASE_URL": plain,
        "LYNK_MASTER_KEY": server.settings.master_key,
    }


def _lynk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LYNK, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_cli_adds_a_processor_that_the_server_then_pays_through(
    server: LynkServer, cli_env: dict[str, str], acquirer: Acquirer
) -> None:
    merchant = make_merchant(server)
    added = _lynk(
        cli_env,
        *("processors", "add", "--merchant", merchant.id, "--mode", "test", "--kind", "stripe"),
        *("--secret-key", acquirer.keys.secret_key, "--api-base", acquirer.server.base_url, "--name", "B", "--json"),
    )
    assert added.returncode == 0, added.stderr
    created = json.loads(added.stdout)
    assert created["id"].startswith("proc_") and acquirer.keys.secret_key not in added.stdout

    listed = _lynk(cli_env, "processors", "list", "--merchant", merchant.id, "--json")
    assert [p["id"] for p in json.loads(listed.stdout)["data"]] == [created["id"]]
    assert acquirer.keys.secret_key not in listed.stdout

    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {"amount": 1500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert lynk_processor(client.v1.charges.retrieve(str(intent.latest_charge)))["id"] == created["id"]

    assert _lynk(cli_env, "processors", "remove", created["id"]).returncode == 0
    assert json.loads(_lynk(cli_env, "processors", "list", "--merchant", merchant.id, "--json").stdout)["data"] == []
    again = client.v1.payment_intents.create(
        {"amount": 1500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert lynk_processor(client.v1.charges.retrieve(str(again.latest_charge)))["id"] is None  # the simulator
    missing = _lynk(cli_env, "processors", "remove", "proc_nope")
    assert missing.returncode == 1 and "proc_nope" in missing.stderr


def test_a_live_processor_must_be_on_the_public_internet_over_https(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    live_secret, _ = make_live_keys(server, merchant.id)
    for api_base in (acquirer.server.base_url, "https://127.0.0.1:9", "https://10.0.0.8"):
        refused = _api(server, live_secret, "POST", kind="stripe", secret_key="sk_live_x", api_base=api_base)
        assert refused.status_code == 400, api_base
        assert refused.json()["error"]["param"] == "api_base"


def test_live_mode_pays_through_a_live_processor(
    server: LynkServer, merchant: MerchantKeys, acquirer: Acquirer
) -> None:
    """The operator adds it (a live processor at a loopback address is refused through the API). B stands
    in with its test-mode key: B's live mode, like Stripe's without raw card data access, refuses card
    numbers sent with a secret key."""
    live_secret, live_publishable = make_live_keys(server, merchant.id)
    new = processors.NewProcessor("stripe", acquirer.keys.secret_key, api_base=acquirer.server.base_url)

    async def add(session: Any) -> str:
        added = await processors.add(session, server.runtime.keyring, Scope(merchant.id, True), new, now=0)
        return added.id

    processor_id = server.write(add)
    card = {"number": REAL_LOOKING, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    method = sdk_client(server, live_publishable).v1.payment_methods.create({"type": "card", "card": card})  # type: ignore[typeddict-item]
    client = sdk_client(server, live_secret)
    intent = client.v1.payment_intents.create(
        {"amount": 4100, "currency": "usd", "confirm": True, "payment_method": method.id}
    )
    assert intent.status == "succeeded" and intent.livemode
    served = lynk_processor(client.v1.charges.retrieve(str(intent.latest_charge)))
    assert served["id"] == processor_id
    there = acquirer.client.v1.payment_intents.retrieve(served["reference"])
    assert (there.status, there.amount) == ("succeeded", 4100)
    # A test-mode payment of the same merchant still goes to the simulator: processors are per mode.
    test_client = sdk_client(server, merchant.secret_key)
    test_intent = test_client.v1.payment_intents.create(
        {"amount": 100, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert lynk_processor(test_client.v1.charges.retrieve(str(test_intent.latest_charge)))["id"] is None


def test_key_rotation_rewraps_processor_credentials(server: LynkServer, merchant: MerchantKeys) -> None:
    created = add_processor(server, merchant, kind="stripe", secret_key="sk_test_rotated_credential")
    old_key = server.settings.master_key
    new_key = new_key_text()
    both = Keyring(server.settings.model_copy(update={"master_key": new_key, "retired_master_keys": old_key}))
    only_new = Keyring(server.settings.model_copy(update={"master_key": new_key, "retired_master_keys": None}))
    try:
        server.call(lambda: vault.rotate(server.db, both))

        async def opened(session: Any) -> str | None:
            found = await processors.config(session, only_new, Scope(merchant.id, False), created["id"])
            return found.secret_key if found else None

        assert server.write(opened) == "sk_test_rotated_credential"
    finally:  # the shared server still runs on the old key
        back = Keyring(server.settings.model_copy(update={"retired_master_keys": new_key}))
        server.call(lambda: vault.rotate(server.db, back))
