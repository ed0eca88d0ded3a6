"""OpenAPI for Stripe-style routes: form-encoded bodies and deepObject query parameters.

Nested parameter models are inlined (no `$ref`), so every schema in the document
resolves on its own and tools such as schemathesis can generate requests from it.
"""

from __future__ import annotations

import re
from typing import Any

from lynk.wire.params import Params


def form_body(params: type[Params]) -> dict[str, Any]:
    schema = params.model_json_schema()
    defs = schema.pop("$defs", {})
    return {
        "required": bool(schema.get("required")),
        "content": {"application/x-www-form-urlencoded": {"schema": _inline_refs(schema, defs)}},
    }


def query_parameters(params: type[Params]) -> list[dict[str, Any]]:
    schema = params.model_json_schema()
    defs = schema.get("$defs", {})
    out = []
    for name, prop in schema.get("properties", {}).items():
        if "$defs" in prop:
            prop = {k: v for k, v in prop.items() if k != "$defs"}
        entry: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": prop}
        if "$ref" in str(prop) or prop.get("type") in ("object", "array"):
            entry["style"] = "deepObject"
            entry["explode"] = True
        out.append(entry)
    if defs:
        for entry in out:
            entry["schema"] = _inline_refs(entry["schema"], defs)
    return out


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(defs[node["$ref"].split("/")[-1]], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def operation_extra(method: str, path: str, params: type[Params]) -> dict[str, Any]:
    """The `openapi_extra` of one route: its body or query, path and header parameters."""
    extra: dict[str, Any] = {}
    if method == "POST":
        extra["requestBody"] = form_body(params)
    else:
        extra["parameters"] = query_parameters(params)
    for name in re.findall(r"{(\w+)}", path):
        extra.setdefault("parameters", []).append(
            {"name": name, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 255}}
        )
    if method == "POST":
        extra.setdefault("parameters", []).append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
            }
        )

    return extra
