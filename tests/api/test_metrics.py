"""`/metrics`: protected by its token, and each family counting what happened, scraped after driving
traffic through a real server. Counters are per test process (shared by its servers), so each test
compares a scrape after its traffic with one before."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stripe
from prometheus_client.parser import text_string_to_metric_families

from lynk.api import maintenance
from tests.conftest import sdk_client
from tests.link.support import Browser, latest_code, new_email, new_phone, pay_and_opt_in
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer, running_server
from tests.webhooks.support import receiver, run_worker

TOKEN = "metrics-token-for-tests"
Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]
ID_LIKE = re.compile(r"\b(acct|cus|pi|ch|pm|re|evt|we|sk|pk|rk|whsec|req|lcs|lcode|lacct)_[A-Za-z0-9]{6,}|@")


@pytest.fixture
def token(server: LynkServer) -> Iterator[str]:
    settings = server.runtime.settings
    saved = settings.metrics_token
    settings.metrics_token = TOKEN
    try:
        yield TOKEN
    finally:
        settings.metrics_token = saved


def scrape(server: LynkServer) -> Series:
    answer = httpx.get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    series: Series = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            series[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return series


def value(series: Series, name: str, **labels: str) -> float:
    return series.get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: Series, after: Series, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_metrics_are_never_public(server: LynkServer) -> None:
    assert server.runtime.settings.metrics_token is None
    hidden = httpx.get(f"{server.base_url}/metrics", timeout=30)
    assert hidden.status_code == 404  # no token configured: no such page
    assert hidden.json()["error"]["type"] == "invalid_request_error"
    server.runtime.settings.metrics_token = TOKEN
    try:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            refused = httpx.get(f"{server.base_url}/metrics", headers=headers, timeout=30)
            assert refused.status_code == 401
            assert TOKEN not in refused.text
        assert scrape(server)
    finally:
        server.runtime.settings.metrics_token = None


def test_requests_by_route_template_and_status(server: LynkServer, client: stripe.StripeClient, token: str) -> None:
    before = scrape(server)
    customer = client.v1.customers.create(params={"email": "metrics@example.com"})
    for _ in range(3):
        client.v1.customers.retrieve(customer.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve("cus_doesnotexist")
    httpx.get(f"{server.base_url}/v1/no/such/route/{customer.id}", timeout=30)
    after = scrape(server)
    route = "/v1/customers/{id}"
    assert grew(before, after, "lynk_http_requests_total", method="GET", route=route, status="200") == 3
    assert grew(before, after, "lynk_http_requests_total", method="GET", route=route, status="404") == 1
    assert grew(before, after, "lynk_http_requests_total", method="POST", route="/v1/customers", status="200") == 1
    assert grew(before, after, "lynk_http_requests_total", method="GET", route="unmatched", status="404") == 1
    count = "lynk_http_request_duration_seconds_count"
    assert grew(before, after, count, method="GET", route=route, status="200") == 3
    _no_label_names_anyone(after)


def _no_label_names_anyone(series: Series) -> None:
    for name, labels in series:
        for label, text in labels:
            assert not ID_LIKE.search(text), f"{name}{{{label}={text!r}}} names an object or a person"


def test_payments_and_processor_calls(server: LynkServer, client: stripe.StripeClient, token: str) -> None:
    before = scrape(server)
    for method in ("pm_card_visa", "pm_card_visa", "pm_card_chargeDeclined", "pm_card_threeDSecure2Required"):
        intent = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "usd", "payment_method": method})
        with contextlib.suppress(stripe.CardError):
            client.v1.payment_intents.confirm(intent.id, params={"return_url": "https://shop.example/back"})
    after = scrape(server)
    payments = "lynk_payments_total"
    assert grew(before, after, payments, outcome="authorized", method_type="card", mode="test") == 2
    assert grew(before, after, payments, outcome="issuer_declined", method_type="card", mode="test") == 1
    assert grew(before, after, payments, outcome="requires_action", method_type="card", mode="test") == 1
    calls = "lynk_processor_calls_total"
    authorize = {"processor": "simulator", "operation": "authorize"}
    assert grew(before, after, calls, **authorize, outcome="captured") == 2
    assert grew(before, after, calls, **authorize, outcome="declined") == 1
    assert grew(before, after, "lynk_processor_call_duration_seconds_count", **authorize) == 4
    stage = "lynk_risk_stage_seconds_count"
    # Assessed before each processor call; recorded with each charge (the 3-D Secure one has none yet).
    assert {part: grew(before, after, stage, part=part) for part in ("assess", "record", "total")} == {
        "assess": 4,
        "record": 3,
        "total": 3,
    }
    assert grew(before, after, "lynk_risk_stage_seconds_sum", part="total") > 0
    _no_label_names_anyone(after)


def test_link_lookups_codes_verifications_and_lockouts(server: LynkServer, token: str) -> None:
    shop = make_merchant(server)
    email, phone = new_email(), new_phone()
    pay_and_opt_in(server, shop, email, phone)
    settings = server.runtime.settings
    saved = settings.link_failures_before_lock
    settings.link_failures_before_lock = 2
    try:
        before = scrape(server)
        Browser(server, shop).lookup(new_email())  # nobody
        browser = Browser(server, shop)
        browser.login(email, phone)  # found, a code sent by SMS, passed
        wrong = Browser(server, shop)
        wrong.lookup(email)
        wrong.post("/v1/link/consumer_sessions/start_verification", {"type": "sms"})
        right = latest_code(server, shop, phone)
        bad = f"{(int(right) + 1) % 1_000_000:06d}"
        for _ in range(2):  # the second wrong code locks the account
            assert wrong.post("/v1/link/consumer_sessions/confirm_verification", {"code": bad}).status_code == 400
        after = scrape(server)
    finally:
        settings.link_failures_before_lock = saved
    assert grew(before, after, "lynk_link_steps_total", step="lookup") == 3
    assert grew(before, after, "lynk_link_steps_total", step="recognised") == 2
    assert grew(before, after, "lynk_link_steps_total", step="verification_passed") == 1
    assert grew(before, after, "lynk_link_codes_sent_total", channel="sms") == 2
    assert grew(before, after, "lynk_link_verifications_total", result="passed") == 1
    assert grew(before, after, "lynk_link_verifications_total", result="failed") == 2
    assert grew(before, after, "lynk_link_lockouts_total") == 1
    _no_label_names_anyone(after)


def test_upkeep_runs_and_database_pool(server: LynkServer, token: str) -> None:
    before = scrape(server)
    server.call(lambda: maintenance.run_once(server.runtime))
    after = scrape(server)
    for job in ("authorizations", "checkout_sessions", "bank_debits", "settlement", "idempotency_purge"):
        assert grew(before, after, "lynk_upkeep_runs_total", job=job, outcome="done") == 1, job
        assert grew(before, after, "lynk_upkeep_duration_seconds_count", job=job) == 1, job
    assert ("lynk_db_pool_connections_in_use", ()) in after
    if server.backend == "postgres":
        assert grew(before, after, "lynk_db_pool_wait_seconds_count") >= 5  # a connection per job at least


def test_webhook_deliveries_and_the_queue(tmp_path: Path) -> None:
    """On a server of its own, so the queue holds only this test's events."""
    with running_server("sqlite", tmp_path) as own, receiver() as hooks:
        own.runtime.settings.metrics_token = TOKEN
        keys: MerchantKeys = make_merchant(own)
        client = sdk_client(own, keys.secret_key)
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["customer.created"]})
        hooks.secrets.append(endpoint.secret)
        empty = scrape(own)
        assert value(empty, "lynk_webhook_queue_depth", stage="fan_out") == 0
        for name in ("A", "B"):
            client.v1.customers.create(params={"name": name})
        own.clock.advance(90)
        waiting = scrape(own)
        assert value(waiting, "lynk_webhook_queue_depth", stage="fan_out") == 2
        assert value(waiting, "lynk_webhook_oldest_pending_age_seconds", stage="fan_out") >= 90
        assert value(waiting, "lynk_webhook_queue_depth", stage="delivery") == 0
        run_worker(own)
        done = scrape(own)
        assert len(hooks.deliveries) == 2
        assert grew(waiting, done, "lynk_webhook_deliveries_total", outcome="succeeded") == 2
        assert grew(waiting, done, "lynk_webhook_delivery_duration_seconds_count") == 2
        for stage in ("fan_out", "delivery"):
            assert value(done, "lynk_webhook_queue_depth", stage=stage) == 0
            assert value(done, "lynk_webhook_oldest_pending_age_seconds", stage=stage) == 0
