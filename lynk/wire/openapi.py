"""OpenAPI for Stripe-style routes: form-encoded bodies and deepObject query parameters.

Nested parameter models are inlined (no `$ref`), so every schema in the document
resolves on its own and tools such as schemathesis can generate requests from it.

The schemas describe the wire, not pydantic's Python view of it:

- a form body's objects and arrays are sent in bracket notation (`address[line1]=…`),
  which its `encoding` says with `style: deepObject`, as Stripe's own spec does;
- a form or query string has no `null`: an optional parameter is left out, and an
  unsettable field is unset with an empty string (`Unsettable` documents that branch);
- an object goes on the wire as its fields, so an empty one is not sent at all: a
  required object whose fields are all optional needs at least one (`minProperties`);
- numeric bounds use JSON Schema's keywords: pydantic spells a bound on a type that
  has a `BeforeValidator` (`FormInt`) as `ge`/`le`, which no validator or generator reads.
"""

from __future__ import annotations

import re
from typing import Any

from lynk.wire.params import Params

# pydantic's constraint names, where it leaves them in a JSON schema, and JSON Schema's.
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
_NULL = {"type": "null"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {
                "type": {"type": "string"},
                "message": {"type": "string"},
                "code": {"type": "string"},
                "param": {"type": "string"},
                "doc_url": {"type": "string"},
                "decline_code": {"type": "string"},
            },
        }
    },
}


def form_body(params: type[Params]) -> dict[str, Any]:
    schema = _wire_schema(params)
    encoding = {
        name: {"style": "deepObject", "explode": True}
        for name, prop in schema.get("properties", {}).items()
        if _is_structured(prop)
    }
    media: dict[str, Any] = {"schema": schema}
    if encoding:
        media["encoding"] = encoding
    return {
        "required": bool(schema.get("required")),
        "content": {"application/x-www-form-urlencoded": media},
    }


def query_parameters(params: type[Params]) -> list[dict[str, Any]]:
    schema = _wire_schema(params)
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        entry: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if _is_structured(prop):
            entry["style"] = "deepObject"
            entry["explode"] = True
        out.append(entry)
    return out


def _wire_schema(params: type[Params]) -> dict[str, Any]:
    """The JSON schema of `params` as it is sent: refs inlined, no `null`, JSON Schema's bound keywords."""
    schema = params.model_json_schema()
    defs = schema.pop("$defs", {})
    wire: dict[str, Any] = _wire(_inline_refs(schema, defs))
    return wire


def _is_structured(schema: dict[str, Any]) -> bool:
    """Whether a parameter can be an object or an array, which the wire spells with brackets."""
    types = [schema.get("type"), *(branch.get("type") for branch in schema.get("anyOf", []))]
    return "object" in types or "array" in types


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(defs[node["$ref"].split("/")[-1]], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def _wire(node: Any) -> Any:
    """Drop `null` branches (and a `null` default), collapse a lone `anyOf` branch, rename numeric bounds,
    and require a field in each required object that has only optional ones."""
    if isinstance(node, list):
        return [_wire(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _wire(v) for k, v in node.items()}
    if out.get("type") in ("integer", "number"):
        out = {_BOUNDS.get(k, k): v for k, v in out.items()}
    if "anyOf" in out:
        branches = [b for b in out["anyOf"] if b != _NULL]
        if len(branches) == 1:
            rest = {k: v for k, v in out.items() if k != "anyOf"}
            out = {**branches[0], **rest}
        else:
            out["anyOf"] = branches
    if "default" in out and out["default"] is None:
        del out["default"]
    for name in out.get("required", []):
        prop = out.get("properties", {}).get(name)
        if isinstance(prop, dict) and prop.get("type") == "object" and not prop.get("required"):
            prop["minProperties"] = 1
    return out


def upload_body(params: type[Params]) -> dict[str, Any]:
    """A body with one file, `file` (wire/uploads.py): multipart/form-data, the file as binary."""
    schema = _wire_schema(params)
    schema["properties"]["file"] = {"type": "string", "format": "binary"}
    schema["required"] = sorted({*schema.get("required", []), "file"})
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def operation_extra(method: str, path: str, params: type[Params], *, uploads: bool = False) -> dict[str, Any]:
    """The `openapi_extra` of one route: its body or query, path and header parameters, its errors."""
    extra: dict[str, Any] = {}
    if method == "POST":
        extra["requestBody"] = upload_body(params) if uploads else form_body(params)
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
                # Empty (or blank) is refused: a key names one operation.
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
            }
        )
    extra["responses"] = {
        "4XX": {
            "description": "Stripe's error envelope: a bad parameter, a bad key, a missing object, a conflict",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
    }
    return extra
