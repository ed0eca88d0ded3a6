"""`LYNK_LOG_FORMAT=json`: `lynk serve` writes one JSON object per log line, a request line for each
request with its id, merchant, mode, route, status and duration, and never a card number."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from lynk.api import logs
from tests.api.processes import LYNK, environment, lynk_serve
from tests.servers import fresh_database

PAN = "4242424242424242"
BANNERS = ("Lynk serving on", "Public URL")  # what `lynk serve` prints before logging starts


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(BANNERS):
            continue
        lines.append(json.loads(line))  # anything else that is not JSON fails here
    return lines


@pytest.mark.slow
def test_serve_logs_one_json_object_per_line(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        env = environment(tmp_path / "home", url, LYNK_LOG_FORMAT="json")
        created = subprocess.run(
            [LYNK, "merchants", "create", "--name", "Logged", "--json"], env=env, capture_output=True, timeout=120
        )
        merchant = json.loads(created.stdout)
        with lynk_serve(env) as served:
            auth = (merchant["secret_key"], "")
            with httpx.Client(base_url=served.base_url, timeout=30) as http:
                made = http.post("/v1/customers", data={"email": "logs@example.com"}, auth=auth)
                missing = http.get(f"/v1/customers/{PAN}", auth=auth)
                anonymous = http.get("/v1/customers")
            assert (made.status_code, missing.status_code, anonymous.status_code) == (200, 404, 401)
            wanted = {r.headers["request-id"] for r in (made, missing, anonymous)}
            deadline = time.monotonic() + 60
            while True:
                lines = json_lines(served.log())
                by_request = {line.get("request_id"): line for line in lines if line.get("event") == "request"}
                if wanted <= set(by_request) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
    assert wanted <= set(by_request), served.log()
    line = by_request[made.headers["request-id"]]
    assert line["logger"] == "lynk.access" and line["level"] == "info"
    assert line["merchant_id"] == merchant["id"] and line["mode"] == "test"
    assert (line["method"], line["route"], line["status"]) == ("POST", "/v1/customers", 200)
    assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
    assert line["timestamp"].endswith("Z")
    looked_up = by_request[missing.headers["request-id"]]
    assert (looked_up["route"], looked_up["status"]) == ("/v1/customers/{id}", 404)
    refused = by_request[anonymous.headers["request-id"]]
    assert refused["status"] == 401 and refused["merchant_id"] is None and refused["mode"] is None
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines)  # uvicorn's lines are JSON too
    assert PAN not in served.log()


def test_json_formatter_masks_card_numbers_everywhere() -> None:
    formatter = logs.json_formatter()
    try:
        raise ValueError(f"card {PAN} refused")
    except ValueError:
        record = logging.getLogger("lynk.test").makeRecord(
            "lynk.test",
            logging.ERROR,
            __file__,
            1,
            "paying with %s",
            (PAN,),
            sys.exc_info(),
            extra={"detail": f"number {PAN}", "amount": 1000},
        )
    line = json.loads(formatter.format(record))
    assert PAN not in json.dumps(line)
    assert line["event"] == "paying with ************4242"
    assert line["detail"] == "number ************4242"
    assert line["amount"] == 1000
    assert "ValueError" in line["exception"] and "************4242" in line["exception"]
    assert line["level"] == "error" and line["logger"] == "lynk.test"
