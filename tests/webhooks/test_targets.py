"""Where webhooks may go: live endpoints are https and public; private and loopback targets as the
operator allows (`LYNK_WEBHOOK_PRIVATE_TARGETS`), checked at create and again at delivery after DNS;
the attempt log tells no one which ports of a host are open."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_live_keys
from tests.servers import LynkServer, free_port
from tests.webhooks.support import attempts, receiver, run_worker

EVENTS = ["customer.created"]


@contextmanager
def _policy(server: LynkServer, value: str) -> Iterator[None]:
    previous = server.settings.webhook_private_targets
    server.settings.webhook_private_targets = value  # type: ignore[assignment]
    try:
        yield
    finally:
        server.settings.webhook_private_targets = previous


@pytest.fixture
def live(server: LynkServer, merchant: MerchantKeys) -> stripe.StripeClient:
    secret, _publishable = make_live_keys(server, merchant.id)
    return sdk_client(server, secret)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://93.184.215.14/hook",  # public, but not https
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://127.0.0.2/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_live_endpoints_must_be_https_and_public(live: stripe.StripeClient, url: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        live.v1.webhook_endpoints.create(params={"url": url, "enabled_events": EVENTS})
    error = refused.value.json_body["error"]
    assert refused.value.http_status == 400 and (error["param"], error["code"]) == ("url", "url_invalid")
    assert live.v1.webhook_endpoints.list().data == []


def test_a_live_endpoint_cannot_be_moved_to_a_private_address(live: stripe.StripeClient) -> None:
    endpoint = live.v1.webhook_endpoints.create(params={"url": "https://93.184.215.14/hook", "enabled_events": EVENTS})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        live.v1.webhook_endpoints.update(endpoint.id, params={"url": "https://127.0.0.1/hook"})
    assert refused.value.json_body["error"]["param"] == "url"
    assert live.v1.webhook_endpoints.retrieve(endpoint.id).url == "https://93.184.215.14/hook"


def test_the_operator_decides_for_test_mode(server: LynkServer, client: stripe.StripeClient) -> None:
    with _policy(server, "never"), pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/hook", "enabled_events": EVENTS})
    assert "LYNK_WEBHOOK_PRIVATE_TARGETS" in refused.value.json_body["error"]["message"]
    made = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/hook", "enabled_events": EVENTS})
    assert made.url == "http://127.0.0.1:9/hook"  # the default, `test`: allowed in test mode


def test_always_allows_private_targets_in_live_mode_too_but_https_only(
    server: LynkServer, live: stripe.StripeClient
) -> None:
    with _policy(server, "always"):
        made = live.v1.webhook_endpoints.create(params={"url": "https://127.0.0.1:9/hook", "enabled_events": EVENTS})
        assert made.url == "https://127.0.0.1:9/hook"
        with pytest.raises(stripe.InvalidRequestError):
            live.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/hook", "enabled_events": EVENTS})


def test_delivery_checks_the_resolved_address_again(server: LynkServer, client: stripe.StripeClient) -> None:
    """Allowed when created; the operator then forbids private targets: `localhost` resolves to a loopback
    address at delivery time, and nothing reaches the receiver."""
    with receiver() as hooks:
        url = f"http://localhost:{hooks.port}/hooks"
        endpoint = client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": EVENTS})
        hooks.secrets.append(endpoint.secret)
        client.v1.customers.create()
        run_worker(server, private_targets="never")
        log = attempts(client, endpoint.id)
        assert [(a["status_code"], a["error"], a["response_body"]) for a in log] == [(None, "address_not_allowed", "")]
        assert hooks.requests == 0
        server.clock.advance(log[0]["next_retry_at"] - log[0]["created"])
        run_worker(server)  # allowed again: delivered, to the checked address, with the name as Host
        assert hooks.ids() and attempts(client, endpoint.id)[-1]["status_code"] == 200


@contextmanager
def _not_http() -> Iterator[int]:
    """A port with something listening that is not an HTTP server: it accepts and hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_the_attempt_log_does_not_tell_open_ports_from_closed_ones(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    with _not_http() as open_port:
        urls = {"closed": f"http://127.0.0.1:{free_port()}/admin", "open": f"http://127.0.0.1:{open_port}/admin"}
        endpoints = {
            name: client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": EVENTS}).id
            for name, url in urls.items()
        }
        client.v1.customers.create()
        run_worker(server, timeout_seconds=5)
    errors = {name: [a["error"] for a in attempts(client, endpoint)] for name, endpoint in endpoints.items()}
    assert errors == {"closed": ["connection_error"], "open": ["connection_error"]}
