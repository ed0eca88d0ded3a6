"""The `lynk` command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import stripe

from lynk.vault.keyring import new_key_text
from tests.servers import backends, free_port, fresh_database

LYNK = [str(Path(sys.executable).parent / "lynk")]  # the installed console script


@pytest.fixture(params=backends())
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    with fresh_database(request.param, tmp_path) as url:
        plain = url.replace("+asyncpg", "").replace("+aiosqlite", "")  # as users write it
        yield {
            **os.environ,
            "LYNK_HOME": str(tmp_path / "home"),
            "LYNK_DATABASE_URL": plain,
            "LYNK_MASTER_KEY": new_key_text(),
        }


def lynk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LYNK, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_merchants_create_json(env: dict[str, str]) -> None:
    result = lynk(env, "merchants", "create", "--name", "Acme Books", "--json")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["id"].startswith("acct_")
    assert created["name"] == "Acme Books"
    assert created["secret_key"].startswith("sk_test_")
    assert created["publishable_key"].startswith("pk_test_")


def test_keys_create_list_revoke(env: dict[str, str]) -> None:
    merchant = json.loads(lynk(env, "merchants", "create", "--name", "Keys", "--json").stdout)
    live = lynk(env, "keys", "create", "--merchant", merchant["id"], "--live", "--json")
    assert live.returncode == 0, live.stderr
    keys = json.loads(live.stdout)
    assert keys["secret_key"].startswith("sk_live_")
    assert keys["publishable_key"].startswith("pk_live_")

    listed = lynk(env, "keys", "list", "--merchant", merchant["id"]).stdout
    assert keys["secret_key"] not in listed  # shown once, never again
    assert keys["secret_key"][-4:] in listed
    assert listed.count("active") == 4

    revoked = lynk(env, "keys", "revoke", keys["secret_key_id"])
    assert revoked.returncode == 0
    assert "revoked" in lynk(env, "keys", "list", "--merchant", merchant["id"]).stdout


def test_keys_for_unknown_merchant_fail_clearly(env: dict[str, str]) -> None:
    result = lynk(env, "keys", "create", "--merchant", "acct_nope")
    assert result.returncode == 1
    assert "No such account: 'acct_nope'" in result.stderr


def test_demo_is_idempotent(env: dict[str, str]) -> None:
    first = lynk(env, "demo", "--json")
    second = lynk(env, "demo", "--json")
    assert first.returncode == second.returncode == 0, first.stderr
    assert json.loads(first.stdout) == json.loads(second.stdout)
    assert json.loads(first.stdout)["secret_key"].startswith("sk_test_")
    second_shop = json.loads(first.stdout)["second_shop"]  # the example bakery on :4243 (issue 12 item 6)
    assert second_shop["name"] == "Lynk Demo Bakery" and second_shop["publishable_key"].startswith("pk_test_")
    shown = lynk(env, "demo")
    assert "http://127.0.0.1:4242" in shown.stdout and "http://127.0.0.1:4243" in shown.stdout
    assert second_shop["secret_key"] in shown.stdout


def test_merchants_brand_sets_checks_and_clears(env: dict[str, str]) -> None:
    made = json.loads(lynk(env, "merchants", "create", "--name", "Brand Shop", "--json").stdout)
    branded = lynk(
        env, "merchants", "brand", made["id"], "--color", "#B5451B", "--logo", "https://a.example/l.png", "--json"
    )
    assert branded.returncode == 0, branded.stderr
    assert json.loads(branded.stdout) == {
        "id": made["id"],
        "primary_color": "#b5451b",
        "icon": None,
        "logo": "https://a.example/l.png",
    }
    refused = lynk(env, "merchants", "brand", made["id"], "--logo", "javascript:alert(1)")
    assert refused.returncode != 0 and "settings[branding][logo]" in refused.stderr
    cleared = json.loads(lynk(env, "merchants", "brand", made["id"], "--logo", "", "--json").stdout)
    assert cleared["logo"] is None and cleared["primary_color"] == "#b5451b"


@contextmanager
def serving(env: dict[str, str], port: int) -> Iterator[subprocess.Popen[str]]:
    """`lynk serve --port PORT` in a subprocess, once it answers /healthz."""
    server = subprocess.Popen(
        [*LYNK, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 120  # generous: the suite shares 2 busy cores
        while time.monotonic() < deadline:
            assert server.poll() is None, f"lynk serve exited: {server.stdout.read() if server.stdout else ''}"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("lynk serve did not answer /healthz within 120 s")
        yield server
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.mark.slow
def test_serve_migrates_and_answers(env: dict[str, str]) -> None:
    port = free_port()
    merchant = json.loads(lynk(env, "merchants", "create", "--name", "Served", "--json").stdout)
    base = f"http://127.0.0.1:{port}"
    without_public_url = {k: v for k, v in env.items() if k != "LYNK_PUBLIC_URL"}
    with serving(without_public_url, port):
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Lynk API"
        client = stripe.StripeClient(merchant["secret_key"], base_addresses={"api": base}, max_network_retries=0)
        assert client.v1.customers.create(params={"email": "cli@example.com"}).email == "cli@example.com"
        # Links handed to browsers follow the port served, with no LYNK_PUBLIC_URL set.
        pi = client.v1.payment_intents.create(
            params={
                "amount": 500,
                "currency": "usd",
                "payment_method": "pm_card_threeDSecure2Required",
                "confirm": True,
                "return_url": "https://shop.example/done",
            }
        )
        assert pi.next_action.redirect_to_url.url.startswith(f"{base}/3ds/{pi.id}?")
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "success_url": "https://shop.example/ok",
                "line_items": [
                    {
                        "price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "Tea"}},
                        "quantity": 1,
                    }
                ],
            }
        )
        assert session.url.startswith(f"{base}/c/pay/")
        assert httpx.get(session.url).status_code == 200


@pytest.mark.slow
def test_serve_warns_when_the_public_url_names_another_port(env: dict[str, str]) -> None:
    port, other = free_port(), free_port()
    with serving({**env, "LYNK_PUBLIC_URL": f"http://127.0.0.1:{other}"}, port) as server:
        server.terminate()
        output, _ = server.communicate(timeout=15)
    assert f"LYNK_PUBLIC_URL is http://127.0.0.1:{other} but Lynk serves on port {port}" in output
    with serving({**env, "LYNK_PUBLIC_URL": "https://pay.example.com"}, port) as server:  # a proxy in front: fine
        server.terminate()
        output, _ = server.communicate(timeout=15)
    assert "LYNK_PUBLIC_URL is" not in output and "https://pay.example.com" in output


def test_commands_work_on_a_fresh_embedded_database(tmp_path: Path) -> None:
    fresh = {k: v for k, v in os.environ.items() if k != "LYNK_DATABASE_URL"}
    fresh["LYNK_HOME"] = str(tmp_path / "new-home")
    result = lynk(fresh, "merchants", "create", "--name", "First", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "First"
    assert (tmp_path / "new-home" / "lynk.db").exists()


def test_serve_on_an_external_database_needs_a_master_key(env: dict[str, str]) -> None:
    without_key = {k: v for k, v in env.items() if k != "LYNK_MASTER_KEY"}
    result = lynk(without_key, "serve", "--port", str(free_port()))
    assert result.returncode == 1
    assert "LYNK_MASTER_KEY must be set" in result.stderr
