"""What the atomic-phase tests share: requests to a served Lynk with the SDK's wire format, a saved card,
what the simulated processor holds, and the ledger's check from outside the servers."""

from __future__ import annotations

import contextlib
import subprocess
import threading

import httpx
from sqlalchemy.exc import DBAPIError

from tests.payments.served import LYNK, Served, post

SLOW = {"LYNK_SIMULATOR_LATENCY_MS": "60000"}  # the processor's answer never comes before the kill
PROMPT_S = 15  # a request refused by state answers at once; one waiting on a lock would wait the minute out


def prompt_post(base: str, lynk: Served, path: str, **data: str) -> httpx.Response:
    """A request that must be answered while the processor holds another: not held up by it."""
    return httpx.post(f"{base}{path}", data=data, auth=(lynk.secret_key, ""), timeout=PROMPT_S)


def saved_card(base: str, lynk: Served) -> tuple[str, str]:
    """A customer's card: the same card on every request, so a retry asks the processor the same question."""
    card = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034"}
    payment_method = post(base, lynk, "/v1/payment_methods", **card).json()["id"]
    customer = post(base, lynk, "/v1/customers").json()["id"]
    assert post(base, lynk, f"/v1/payment_methods/{payment_method}/attach", customer=customer).status_code == 200
    return customer, payment_method


def at_processor(lynk: Served) -> list[str]:
    """The states of the payments the processor holds (none while the simulator has not made its tables)."""
    try:
        return [state for (state,) in lynk.simulator_query("SELECT state FROM simulator_payments")]
    except DBAPIError:
        return []


def send_to_be_cut_off(base: str, lynk: Served, path: str, key: str, data: dict[str, str]) -> threading.Thread:
    """Send the request in the background; the kill of its server cuts it off."""

    def send() -> None:
        with contextlib.suppress(httpx.HTTPError):  # cut off by the kill, as expected
            post(base, lynk, path, key, **data)

    request = threading.Thread(target=send)
    request.start()
    return request


def assert_books_balance(lynk: Served) -> None:
    verified = subprocess.run([*LYNK, "ledger", "verify"], env=lynk.env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def no_transaction_left_open(lynk: Served) -> bool:
    """On PostgreSQL: no session of Lynk's database sits idle inside a transaction (one held across a
    processor call would, for the whole call). SQLite has no such view: there the prompt answer of a
    concurrent write (`BEGIN IMMEDIATE`) shows it."""
    if not lynk.url.startswith("postgresql"):
        return True
    idle = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in%'"
    return bool(lynk.query(idle) == [(0,)])
