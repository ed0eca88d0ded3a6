"""Traces over OTLP/HTTP: `lynk serve` with `OTEL_EXPORTER_OTLP_ENDPOINT` sends its spans to a real
local OTLP receiver (the collector's protobuf-over-HTTP protocol, decoded with the published schema):
the request's span carries the request id, with the SQL and processor calls inside it; a webhook
delivery has its own span around the HTTP POST."""

from __future__ import annotations

import gzip
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.api.processes import LYNK, environment, lynk_serve
from tests.servers import fresh_database
from tests.webhooks.support import receiver


@dataclass
class Span:
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]
    service: str


@dataclass
class Collector:
    """An OTLP/HTTP trace receiver on a free local port."""

    spans: list[Span] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def take(self, body: bytes) -> None:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {}
                    for attribute in span.attributes:
                        value = attribute.value
                        attributes[attribute.key] = getattr(value, value.WhichOneof("value") or "string_value")
                    with self.lock:
                        self.spans.append(
                            Span(
                                span.name,
                                span.trace_id.hex(),
                                span.span_id.hex(),
                                span.parent_span_id.hex(),
                                attributes,
                                resource.get("service.name", ""),
                            )
                        )

    def wait_for(self, check: Any, what: str, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = check(list(self.spans))
            if found:
                return found
            time.sleep(0.1)
        names = sorted({s.name for s in self.spans})
        raise AssertionError(f"no {what} among {len(self.spans)} spans: {names}")


@contextmanager
def collector() -> Iterator[Collector]:
    running = Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if self.path != "/v1/traces":
                self.send_response(404)
                self.end_headers()
                return
            running.take(body)
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    running.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_a_payment_is_traced_to_a_local_otlp_collector(tmp_path: Path) -> None:
    with collector() as otlp, receiver() as hooks, fresh_database("sqlite", tmp_path) as url:
        env = environment(
            tmp_path / "home",
            url,
            OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{otlp.port}",
            OTEL_BSP_SCHEDULE_DELAY="100",
            OTEL_SERVICE_NAME="lynk-under-test",
            LYNK_WEBHOOK_POLL_INTERVAL_SECONDS="0.1",
        )
        created = subprocess.run(
            [LYNK, "merchants", "create", "--name", "Traced", "--json"], env=env, capture_output=True, timeout=120
        )
        merchant = json.loads(created.stdout)
        with lynk_serve(env) as served, httpx.Client(base_url=served.base_url, timeout=30) as http:
            auth = (merchant["secret_key"], "")
            endpoint = http.post(
                "/v1/webhook_endpoints",
                data={"url": hooks.url, "enabled_events[]": "payment_intent.succeeded"},
                auth=auth,
            ).json()
            hooks.secrets.append(endpoint["secret"])
            intent = http.post(
                "/v1/payment_intents",
                data={"amount": "1500", "currency": "usd", "payment_method": "pm_card_visa"},
                auth=auth,
            ).json()
            confirmed = http.post(f"/v1/payment_intents/{intent['id']}/confirm", auth=auth)
            assert confirmed.status_code == 200, confirmed.text
            request_id = confirmed.headers["request-id"]

            def request_span_of(spans: list[Span], request_id: str) -> Span | None:
                return next((s for s in spans if s.attributes.get("lynk.request_id") == request_id), None)

            def request_span(spans: list[Span]) -> Span | None:
                return request_span_of(spans, request_id)

            root = otlp.wait_for(request_span, f"span of request {request_id}")
            assert root.service == "lynk-under-test"
            assert root.parent_id == ""
            assert root.attributes["lynk.merchant_id"] == merchant["id"]
            assert root.attributes["lynk.mode"] == "test"
            assert "/v1/payment_intents/{id}/confirm" in root.name

            def inside(spans: list[Span]) -> list[Span]:
                return [s for s in spans if s.trace_id == root.trace_id and s.span_id != root.span_id]

            otlp.wait_for(lambda spans: any(s.name == "processor authorize" for s in inside(spans)), "processor span")
            processor = next(s for s in inside(otlp.spans) if s.name == "processor authorize")
            assert processor.attributes["lynk.processor"] == "simulator"
            assert processor.attributes["lynk.outcome"] == "captured"
            sql = [s for s in inside(otlp.spans) if s.attributes.get("db.system") or s.attributes.get("db.system.name")]
            assert sql, f"no SQL span in the request's trace: {[(s.name, s.attributes) for s in otlp.spans]}"

            delivery = otlp.wait_for(
                lambda spans: next((s for s in spans if s.name == "webhook delivery"), None), "webhook delivery span"
            )
            post = otlp.wait_for(
                lambda spans: next((s for s in spans if s.parent_id == delivery.span_id), None), "webhook POST span"
            )
            assert post.name.startswith("POST")
            assert len(hooks.deliveries) == 1
            listed = http.get("/v1/customers", params={"email": "4000056655665556"}, auth=auth)
            otlp.wait_for(lambda spans: request_span_of(spans, listed.headers["request-id"]), "span of the list")
            recorded = str([s.attributes for s in otlp.spans])
            assert "4000056655665556" not in recorded and "email=************5556" in recorded  # masked
            # Probes and scrapes are not traced.
            http.get("/healthz")
            assert not any(s.attributes.get("http.route") == "/healthz" for s in otlp.spans)
