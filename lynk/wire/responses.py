"""JSON bodies: objects and Stripe's error envelope, rendered in one place."""

from __future__ import annotations

import json
from typing import Any

import orjson

from lynk.core.errors import LynkError

JSON_TYPE = "application/json"


def render(obj: Any) -> bytes:
    """Pretty JSON, as Stripe answers (two-space indent, UTF-8). orjson writes the same bytes as
    `json.dumps(indent=2, ensure_ascii=False)` some 40 times faster (with an indent, the standard library
    encodes in pure Python); what orjson refuses (an integer key, an integer past 64 bits) goes that way."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return json.dumps(obj, indent=2, ensure_ascii=False).encode() + b"\n"


def error_body(error: LynkError) -> bytes:
    return render({"error": error.to_dict()})


def error_headers(error: LynkError) -> dict[str, str]:
    """`Stripe-Should-Retry` steers the SDKs: retry a key in use or a server error, not a bad request."""
    retry = error.http_status in (409, 429) or error.http_status >= 500
    if error.should_retry is not None:
        retry = error.should_retry
    return {"Stripe-Should-Retry": "true" if retry else "false"}
