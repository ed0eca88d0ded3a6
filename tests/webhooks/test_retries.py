"""A receiver that fails (5xx, timeouts, connection refused): retries on the schedule, nothing lost,
and an endpoint failing for days is flagged, then disabled, with the merchant told."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import stripe

from lynk.webhooks import retry
from tests.servers import LynkServer
from tests.webhooks.support import attempts, receiver, run_worker


def _advance_to_next_retry(server: LynkServer, log: list[dict[str, Any]]) -> None:
    pending = [a["next_retry_at"] for a in log if a["next_retry_at"] is not None]
    wait = int(max(pending)) - int(server.clock.now()) + 1
    server.clock.advance(max(wait, 0))


def _check_schedule(log: list[dict[str, Any]]) -> None:
    for before, after in itertools.pairwise(log):
        gap = int(after["created"]) - int(before["created"])
        expected = retry.base_delay(int(before["attempt_number"]))
        assert expected * 0.9 - 1 <= gap <= expected * 1.1 + 2, (before, after)
        assert before["next_retry_at"] is not None


def test_failures_are_retried_on_schedule_until_delivered(
    server: LynkServer, client: stripe.StripeClient, tmp_path: Path
) -> None:
    # 500, 503, a stall past the timeout, then the receiver is down (refused), then it answers 200.
    answers: list[int | tuple[str, float]] = [500, 503, ("stall", 1.5)]
    with receiver(respond=lambda n: answers[n] if n < len(answers) else 200) as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["customer.created"]})
        hooks.secrets.append(endpoint.secret)
        customer = client.v1.customers.create(params={"email": "retry@example.com"})
        event = client.v1.events.list(params={"type": "customer.created"}).data[0]
        for _ in range(3):
            run_worker(server, timeout_seconds=0.5)
            _advance_to_next_retry(server, attempts(client, endpoint.id))
        hooks.stop()
        run_worker(server, timeout_seconds=0.5)
        log = attempts(client, endpoint.id)
        assert client.v1.events.list(params={"delivery_success": False}).data[0].id == event.id
        assert client.v1.events.retrieve(event.id).pending_webhooks == 1
        _advance_to_next_retry(server, log)
        hooks.start()
        run_worker(server, timeout_seconds=0.5)

        log = attempts(client, endpoint.id)
        assert [(a["status_code"], a["error"]) for a in log] == [
            (500, None),
            (503, None),
            (None, "timeout"),
            (None, "connection_error"),
            (200, None),
        ]
        assert [a["attempt_number"] for a in log] == [1, 2, 3, 4, 5]
        assert all(a["event"] == event.id and a["webhook_endpoint"] == endpoint.id for a in log)
        assert '"received": false' in log[0]["response_body"]
        assert log[2]["latency_ms"] >= 450
        assert log[-1]["succeeded"] is True and log[-1]["next_retry_at"] is None
        _check_schedule(log)
        assert hooks.ids() == [event.id]
        assert hooks.deliveries[0].event["data"]["object"]["id"] == customer.id
        assert client.v1.events.retrieve(event.id).pending_webhooks == 0
        assert client.v1.webhook_endpoints.retrieve(endpoint.id).to_dict()["warnings"] == []


def test_every_event_arrives_after_an_outage(server: LynkServer, client: stripe.StripeClient) -> None:
    with receiver() as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["*"]})
        hooks.secrets.append(endpoint.secret)
        hooks.stop()
        made = [client.v1.customers.create(params={"name": f"c{i}"}).id for i in range(12)]
        for _ in range(3):
            run_worker(server)
            server.clock.advance(retry.base_delay(3) * 1.2)
        hooks.start()
        server.clock.advance(retry.LONGEST_WAIT_SECONDS * 1.2)
        run_worker(server)
        assert sorted(d.event["data"]["object"]["id"] for d in hooks.deliveries) == sorted(made)
        assert max(hooks.counts().values()) == 1


def test_given_up_after_three_days_then_flagged_then_disabled(
    server: LynkServer, client: stripe.StripeClient, lynk_log: Path
) -> None:
    with receiver(respond=lambda _n: 500) as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["customer.created"]})
        hooks.secrets.append(endpoint.secret)
        client.v1.customers.create()
        started = int(server.clock.now())
        run_worker(server)
        for _ in range(20):
            log = attempts(client, endpoint.id)
            if log[-1]["next_retry_at"] is None:
                break
            _advance_to_next_retry(server, log)
            run_worker(server)
        log = attempts(client, endpoint.id)
        assert 11 <= len(log) <= 12  # 1 + 10 or 11 retries, as jitter falls
        assert all(a["status_code"] == 500 for a in log)
        _check_schedule(log[:-1])
        assert log[-1]["next_retry_at"] is None
        last_gap = retry.base_delay(len(log)) * 0.9
        assert int(log[-1]["created"]) + last_gap > started + retry.RETRY_WINDOW_SECONDS - 60
        flagged = client.v1.webhook_endpoints.retrieve(endpoint.id).to_dict()
        assert flagged["status"] == "enabled"
        assert [w["code"] for w in flagged["warnings"]] == ["delivery_failing"]
        assert client.v1.events.list(params={"delivery_success": False}).data

        # Still failing later on: once it has failed for 5 days in a row, the endpoint is disabled.
        server.clock.advance(started + 5 * 24 * 3600 + 60 - int(server.clock.now()))
        client.v1.customers.create()
        run_worker(server)
        disabled = client.v1.webhook_endpoints.retrieve(endpoint.id).to_dict()
        assert disabled["status"] == "disabled"
        assert [w["code"] for w in disabled["warnings"]] == ["endpoint_disabled"]
        assert f"webhook endpoint {endpoint.id} disabled" in lynk_log.read_text()
        requests = hooks.requests
        client.v1.customers.create()
        run_worker(server)
        assert hooks.requests == requests  # nothing goes to a disabled endpoint

        enabled = client.v1.webhook_endpoints.update(endpoint.id, params={"disabled": False}).to_dict()
        assert (enabled["status"], enabled["warnings"]) == ("enabled", [])


def test_binary_and_long_answers_are_logged_cut_to_1_kb(server: LynkServer, client: stripe.StripeClient) -> None:
    answers: list[tuple[int, bytes]] = [(500, b"\x00\xff oops " + b"x" * 5000), (204, b"")]
    with receiver(respond=lambda n: answers[min(n, 1)]) as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["customer.created"]})
        hooks.secrets.append(endpoint.secret)
        client.v1.customers.create()
        run_worker(server)
        _advance_to_next_retry(server, attempts(client, endpoint.id))
        run_worker(server)
        log = attempts(client, endpoint.id)
        assert [a["status_code"] for a in log] == [500, 204]
        assert log[0]["response_body"].startswith("\ufffd\ufffd oops x")
        assert len(log[0]["response_body"]) == 1024
        assert log[1]["succeeded"] is True and len(hooks.deliveries) == 1
