"""`lynk listen` in a subprocess: it prints a session secret, forwards the merchant's new events,
signed with it, to a local receiver, prints one line per event, and exits cleanly on Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import stripe

from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer, ctrl_c_works
from tests.webhooks.support import receiver, wait_for


def _lines(stream: object, out: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        out.put(line.rstrip("\n"))


def _next(out: queue.Queue[str], pattern: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = out.get(timeout=0.2)
        except queue.Empty:
            continue
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no line matching {pattern!r}")


def test_listen_forwards_signed_events(server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient) -> None:
    client.v1.customers.create(params={"name": "before"})  # older events are not forwarded
    with receiver() as hooks:
        command = [
            sys.executable,
            "-m",
            "lynk.cli.main",
            "listen",
            "--api-key",
            merchant.secret_key,
            "--forward-to",
            hooks.url,
            "--events",
            "customer.created,customer.updated",
            "--api-base",
            server.base_url,
        ]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "LYNK_HOME": str(server.settings.home)},
            preexec_fn=ctrl_c_works,
        )
        out: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_lines, args=(process.stdout, out), daemon=True).start()
        try:
            ready = _next(out, r"^Ready! Your webhook signing secret is whsec_")
            secret = re.search(r"(whsec_\w+)", ready).group(1)  # type: ignore[union-attr]
            hooks.secrets.append(secret)
            customer = client.v1.customers.create(params={"name": "after"})
            client.v1.customers.update(customer.id, params={"name": "later"})
            client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})  # not asked for
            wait_for(lambda: len(hooks.ids()) >= 2, timeout=30, what="two forwarded events")
            events = client.v1.events.list(params={"types": ["customer.created", "customer.updated"]}).data
            assert hooks.ids() == [events[1].id, events[0].id]
            assert [d.event["type"] for d in hooks.deliveries] == ["customer.created", "customer.updated"]
            sent = _next(out, rf"--> customer.created \[{events[1].id}\]")
            assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", sent)
            _next(out, rf"<--  \[200\] POST {re.escape(hooks.url)} \[{events[1].id}\]")
            _next(out, rf"<--  \[200\] POST {re.escape(hooks.url)} \[{events[0].id}\]")
            time.sleep(0.5)
            assert len(hooks.ids()) == 2
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=15)
        assert code == 0
        assert hooks.refused_signatures == 0


def test_listen_with_a_bad_key_says_so(server: LynkServer) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lynk.cli.main",
            "listen",
            "--api-key",
            "sk_test_nope",
            "--forward-to",
            "http://127.0.0.1:9/x",
            "--api-base",
            server.base_url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Invalid API Key" in result.stderr
