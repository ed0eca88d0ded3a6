"""What the atomic-phase tests share: requests to a served Lynk with the SDK's wire format, a saved card,
what the simulated processor holds, and the ledger's check from outside the servers; for the in-process
test server, a processor made slow and work left in flight meanwhile."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

import httpx
from sqlalchemy.exc import DBAPIError

from lynk.connectors.simulator import Simulator
from lynk.simulation.store import simulator_url
from tests.payments.served import LYNK, Served, post, read
from tests.servers import LynkServer

T = TypeVar("T")

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


def no_transaction_left_open(lynk: Served | LynkServer) -> bool:
    """On PostgreSQL: no session of Lynk's database sits idle inside a transaction (one held across a
    processor call would, for the whole call). SQLite has no such view: there the prompt answer of a
    concurrent write (`BEGIN IMMEDIATE`) shows it."""
    url = lynk.url if isinstance(lynk, Served) else lynk.database_url
    if not url.startswith("postgresql"):
        return True
    idle = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in%'"
    return bool(read(url, idle) == [(0,)])


def processor_operations(server: LynkServer) -> int:
    """How many operations the in-process server's simulator has acted on (one per idempotency key): one
    more as soon as it acts on a call whose answer it then holds back."""
    [(count,)] = read(simulator_url(server.database_url), "SELECT count(*) FROM simulator_operations")
    return int(count)


@contextlib.contextmanager
def slow_processor(server: LynkServer, seconds: float) -> Iterator[None]:
    """The in-process server's simulator acts at once and answers `seconds` later, as
    `LYNK_SIMULATOR_LATENCY_MS` makes it (its latency back as it was afterwards)."""
    simulator = server.runtime.connector
    assert isinstance(simulator, Simulator)
    before, simulator.latency_s = simulator.latency_s, seconds
    try:
        yield
    finally:
        simulator.latency_s = before


class InFlight(Generic[T]):
    """Work sent in the background (a click, an upkeep pass) that waits on the slow processor."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._outcome: list[T] = []
        self._thread = threading.Thread(target=lambda: self._outcome.append(work()))
        self._thread.start()

    def running(self) -> bool:
        return self._thread.is_alive()

    def result(self, timeout: float) -> T:
        self._thread.join(timeout)
        assert self._outcome, "the work did not finish (or failed: see the thread's exception above)"
        return self._outcome[0]
