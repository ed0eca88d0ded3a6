"""API bodies are pretty JSON, byte for byte as the standard library writes it, whatever writes it."""

from __future__ import annotations

import json
from typing import Any

from lynk.wire.responses import render


def _stdlib(obj: Any) -> bytes:
    return json.dumps(obj, indent=2, ensure_ascii=False).encode() + b"\n"


def test_render_writes_what_json_dumps_writes() -> None:
    obj = {
        "id": "pi_1",
        "amount": 2_000,
        "livemode": False,
        "metadata": {"note": 'café ✓ \u2028 "quoted" \\ \t'},
        "list": [1, None, {"nested": []}, {}],
        "ratio": 0.5,
    }
    assert render(obj) == _stdlib(obj)


def test_what_orjson_refuses_is_still_rendered() -> None:
    for obj in ({1: "integer key"}, {"big": 2**70}):
        assert render(obj) == _stdlib(obj)
