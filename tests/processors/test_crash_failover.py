"""A crash between the phases of an authorization sent to a merchant's own processor (issue 14): the
processor authorized, then Lynk was killed before writing the outcome, and the processor went down too.
The retry must not fail over to the next processor (that would authorize the card twice): it asks the
processor the attempt was sent to (recorded before the call), under the same key, and nothing else."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import DBAPIError

from tests.payments.served import LYNK, Served, served
from tests.servers import backends
from tests.webhooks.support import wait_for

SLOW = {"LYNK_SIMULATOR_LATENCY_MS": "60000"}  # the upstream acts, then its answer never comes before the kill


@pytest.fixture(params=backends())
def three(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Served, Served, Served]]:
    """Lynk (merchant A), and two more Lynk servers acting as Stripe: the primary and the fallback."""
    dirs = [tmp_path / name for name in ("a", "primary", "fallback")]
    for path in dirs:
        path.mkdir()
    with (
        served(request.param, dirs[0]) as a,
        served(request.param, dirs[1]) as one,
        served(request.param, dirs[2]) as two,
    ):
        yield a, one, two


def _post(base: str, key: str, path: str, idempotency_key: str | None = None, **data: str) -> httpx.Response:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    return httpx.post(f"{base}{path}", data=data, auth=(key, ""), headers=headers, timeout=60)


def _authorizations(upstream: Served) -> list[str]:
    try:
        return [state for (state,) in upstream.simulator_query("SELECT state FROM simulator_payments")]
    except DBAPIError:
        return []  # the simulator has not made its tables yet: nothing was authorized there


def test_a_retry_after_a_crash_asks_the_same_processor_and_never_fails_over(
    three: tuple[Served, Served, Served],
) -> None:
    a, primary, fallback = three
    base = a.start(None, "--no-worker")
    primary_base, fallback_base = primary.start(**SLOW), fallback.start()
    for priority, upstream, upstream_base in ((0, primary, primary_base), (1, fallback, fallback_base)):
        added = _post(
            base, a.secret_key, "/v1/lynk/processors", kind="stripe", secret_key=upstream.secret_key,
            api_base=upstream_base, priority=str(priority),
        )  # fmt: skip
        assert added.status_code == 200, added.text
    card = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034"}
    method = _post(base, a.secret_key, "/v1/payment_methods", **card).json()["id"]
    pi_id = _post(base, a.secret_key, "/v1/payment_intents", amount="2500", currency="usd").json()["id"]
    path, key = f"/v1/payment_intents/{pi_id}/confirm", str(uuid.uuid4())

    def cut_off() -> None:
        with contextlib.suppress(httpx.HTTPError):  # cut off by the kill, as expected
            _post(base, a.secret_key, path, key, payment_method=method)

    request = threading.Thread(target=cut_off)
    request.start()
    wait_for(lambda: _authorizations(primary) == ["captured"], 120, "the primary to authorize")
    a.kill(base)
    request.join(timeout=60)
    primary.kill(primary_base)  # and the processor that has the payment goes down

    restarted = a.start(None, "--no-worker")  # no recovery job: the retry meets the attempt
    retried = _post(restarted, a.secret_key, path, key, payment_method=method)
    assert retried.status_code == 503, retried.text  # unknown there, so not sent to the fallback
    assert retried.json()["error"]["code"] == "processor_unavailable"
    assert _authorizations(fallback) == []

    primary.start(int(primary_base.rpartition(":")[2]))  # back, without the delay
    outcome: list[httpx.Response] = []
    wait_for(
        lambda: (
            outcome.append(_post(restarted, a.secret_key, path, key, payment_method=method))
            or outcome[-1].status_code == 200
        ),
        120,
        "the retry to get the primary's answer",
    )
    assert outcome[-1].json()["status"] == "succeeded"
    assert _authorizations(primary) == ["captured"]  # once, at exactly one processor
    assert _authorizations(fallback) == []
    served_by = a.query("SELECT amount_captured FROM charges")
    assert served_by == [(2500,)]
    verified = subprocess.run([*LYNK, "ledger", "verify"], env=a.env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
