"""`lynk users create`, run as an operator runs it: in a subprocess, on a fresh database."""

from __future__ import annotations

import json
import re

from tests.cli.test_cli import env, lynk

__all__ = ["env"]


def test_users_create_prints_a_one_time_link_and_refuses_bad_input(env: dict[str, str]) -> None:
    merchant = json.loads(lynk(env, "merchants", "create", "--name", "Dashboards", "--json").stdout)
    made = lynk(env, "users", "create", "--merchant", merchant["id"], "--email", "Ada@Shop.example", "--role", "admin")
    assert made.returncode == 0, made.stderr
    assert re.search(r"User usr_\w+ \(ada@shop\.example, admin\) of acct_\w+", made.stdout)
    assert re.search(
        r"One-time sign-in link \(valid 24 hours\): http://\S+/dashboard/setup/\w{40}$", made.stdout.strip()
    )
    again = lynk(env, "users", "create", "--merchant", merchant["id"], "--email", "ada@shop.example")
    assert again.returncode == 1 and "already exists" in again.stderr
    role = lynk(env, "users", "create", "--merchant", merchant["id"], "--email", "b@shop.example", "--role", "owner")
    assert role.returncode == 1 and "admin, developer, analyst, support" in role.stderr
    nowhere = lynk(env, "users", "create", "--merchant", "acct_nope", "--email", "c@shop.example")
    assert nowhere.returncode == 1
