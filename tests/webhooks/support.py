"""A real local webhook receiver (an HTTP server in a thread) and helpers to drive the worker."""

from __future__ import annotations

import collections
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import stripe

from lynk.webhooks.worker import DeliveryWorker, PassResult, WorkerConfig
from tests.servers import LynkServer, free_port


@dataclass
class Delivery:
    event: dict[str, Any]
    signature: str
    verified_with: list[str]
    received_at: float


@dataclass
class Receiver:
    """Answers each POST by `respond(n)` (the n-th request, from 0): a status code, ("sleep", s)
    to answer 200 after s seconds, ("stall", s) to hang for s seconds past the worker's timeout and
    then drop the request unprocessed (as a receiver does whose sender hung up), or (status, body)
    to answer raw bytes. Every event it
    answers 2xx to was verified with `stripe.Webhook.construct_event` against `secrets` (all must verify).
    With `keep_alive` it speaks HTTP/1.1 and keeps connections open (otherwise HTTP/1.0, one per request);
    it notes the connections it saw and the most requests it had in hand at once."""

    port: int = field(default_factory=free_port)
    secrets: list[str] = field(default_factory=list)
    respond: Callable[[int], int | tuple[str, float] | tuple[int, bytes]] = lambda _n: 200
    deliveries: list[Delivery] = field(default_factory=list)
    requests: int = 0
    refused_signatures: int = 0
    keep_alive: bool = False
    connections: set[tuple[str, int]] = field(default_factory=set)
    in_hand: int = 0
    most_in_hand: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def ids(self) -> list[str]:
        with self.lock:
            return [d.event["id"] for d in self.deliveries]

    def counts(self) -> collections.Counter[str]:
        return collections.Counter(self.ids())

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if self.keep_alive else "HTTP/1.0"

            def do_POST(self) -> None:
                with receiver.lock:
                    receiver.connections.add(self.client_address)
                    receiver.in_hand += 1
                    receiver.most_in_hand = max(receiver.most_in_hand, receiver.in_hand)
                try:
                    self._answer()
                finally:
                    with receiver.lock:
                        receiver.in_hand -= 1

            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    n = receiver.requests
                    receiver.requests += 1
                answer = receiver.respond(n)
                reply: bytes | None = None
                if isinstance(answer, tuple) and answer[0] == "stall":
                    time.sleep(float(answer[1]))
                    return  # the sender gave up long ago: nothing was processed, nothing is answered
                if isinstance(answer, tuple) and isinstance(answer[0], str):
                    time.sleep(float(answer[1]))  # ("sleep", seconds), then 200
                    answer = 200
                elif isinstance(answer, tuple):
                    answer, reply = answer  # (status, raw body)
                assert isinstance(answer, int)
                if 200 <= answer < 300:
                    answer = receiver._accept(body, self.headers.get("Stripe-Signature", ""), answer)
                if reply is None:
                    reply = json.dumps({"received": 200 <= answer < 300, "n": n}).encode()
                try:
                    self.send_response(answer)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the worker gave up waiting (timeout) and hung up

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the worker opens many connections at once

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _accept(self, body: bytes, header: str, status: int) -> int:
        verified: list[str] = []
        for secret in self.secrets:
            try:
                event = stripe.Webhook.construct_event(body, header, secret)
            except stripe.SignatureVerificationError:
                with self.lock:
                    self.refused_signatures += 1
                return 400
            verified.append(secret)
        if not self.secrets:
            return 400
        with self.lock:
            self.deliveries.append(Delivery(event.to_dict(), header, verified, time.time()))
        return status

    def stop(self) -> None:
        """Stop listening: the port refuses connections until `start` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def receiver(**options: Any) -> Iterator[Receiver]:
    running = Receiver(**options)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def run_worker(server: LynkServer, **config: Any) -> PassResult:
    """One worker pass (fan out, then everything due) on the server's loop, with its clock."""
    settings = WorkerConfig.from_settings(server.settings)
    values = {**settings.__dict__, **config}

    async def run() -> PassResult:
        worker = DeliveryWorker(server.db, server.clock, WorkerConfig(**values))
        try:
            return await worker.run_pass()
        finally:
            await worker.aclose()

    return server.call(run)


def wait_for(check: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def api(client: stripe.StripeClient, method: str, path: str, **params: Any) -> dict[str, Any]:
    """A call to a Lynk extension through the SDK's own transport (errors raise as stripe errors)."""
    response = client.raw_request(method, path, **params)
    body: dict[str, Any] = json.loads(response.body)
    return body


def attempts(client: stripe.StripeClient, endpoint_id: str, **params: Any) -> list[dict[str, Any]]:
    """The endpoint's whole attempt log, oldest first."""
    found: list[dict[str, Any]] = []
    after: dict[str, Any] = {}
    while True:
        page = api(client, "get", f"/v1/webhook_endpoints/{endpoint_id}/attempts", limit=100, **params, **after)
        found.extend(page["data"])
        if not page["has_more"]:
            return list(reversed(found))
        after = {"starting_after": page["data"][-1]["id"]}
