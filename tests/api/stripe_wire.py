"""Stripe's form encoding, both ways, for the contract test: bodies in bracket notation, and the judge of
whether what went on the wire is valid by the document (every wire value is text)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

import schemathesis
from schemathesis import SerializationContext

FORM = "application/x-www-form-urlencoded"
# The JSON Schema keywords `wire_conforms` understands; any other fails the test, not silently passes.
KEYWORDS = {
    "type", "anyOf", "enum", "const", "title", "description", "default",
    "properties", "required", "additionalProperties", "propertyNames", "minProperties", "maxProperties",
    "items", "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "pattern",
}  # fmt: skip
_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def form_pairs(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Flatten a body into Stripe's form fields: `a[b]=…` for objects, `a[0]=…` for arrays.

    An empty object or array has no fields, so it goes as `a=` (what unsets a field).
    """
    if isinstance(value, dict | list) and prefix and not value:
        return [(prefix, "")]
    if isinstance(value, dict):
        items: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list) and prefix:
        items = list(enumerate(value))
    elif isinstance(value, list):  # a negative body that is an array: schemathesis makes it a list of pairs
        return [(_text(pair[0]), _text(pair[1])) if isinstance(pair, tuple) else (_text(pair), "") for pair in value]
    else:
        return [(prefix, _text(value))]
    pairs: list[tuple[str, str]] = []
    for key, child in items:
        pairs.extend(form_pairs(child, f"{prefix}[{key}]" if prefix else str(key)))
    return pairs


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return json.dumps(value)  # true, false, null, numbers: their JSON spelling, as schemathesis sends them


@schemathesis.serializer(FORM)
def stripe_form(ctx: SerializationContext, value: Any) -> bytes | None:
    """The form body in bracket notation (schemathesis has applied the document's `encoding` already)."""
    if value is None:
        return None
    if isinstance(value, str | bytes):
        return value.encode() if isinstance(value, str) else value
    return urlencode(form_pairs(value)).encode()


def decode_form(text: str) -> dict[str, Any] | None:
    """Nest `a[b][0]=x` fields into dicts (a repeated name collects a list); None if a name is malformed."""
    root: dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY.fullmatch(name)
        if match is None:
            return None
        *parents, last = [match[1], *_SEGMENT.findall(match[2])]
        node: Any = root
        for segment in parents:
            node = node.setdefault(segment, {})
            if not isinstance(node, dict):
                return None
        existing = node.get(last)
        if existing is None:
            node[last] = value
        elif isinstance(existing, str):
            node[last] = [existing, value]
        elif isinstance(existing, list):
            existing.append(value)
        else:
            return None
    return root


def _as_array(value: Any) -> list[Any] | None:
    """An array on the wire: `k[0]=a&k[1]=b`, `k=a&k=b`, or one `k=a`; `k=` is an empty one."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and all(key.isdigit() for key in value):
        return [value[key] for key in sorted(value, key=int)]
    if isinstance(value, str):
        return [value] if value else []
    return None


def wire_conforms(value: Any, schema: dict[str, Any]) -> bool:
    """Whether a decoded form value satisfies a schema of the document, all of whose values are text."""
    unknown = set(schema) - KEYWORDS
    assert not unknown, f"wire_conforms does not know the keywords {sorted(unknown)}: teach it"
    if "anyOf" in schema:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return any(wire_conforms(value, {**rest, **branch}) for branch in schema["anyOf"])
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "const" in schema and value != _text(schema["const"]):
        return False
    kind = schema.get("type")
    if kind is None:
        return True
    if kind == "object":
        if not isinstance(value, dict):
            return False
        properties, extra = schema.get("properties", {}), schema.get("additionalProperties", True)
        names = {"type": "string", **schema.get("propertyNames", {})}
        return (
            all(name in value for name in schema.get("required", []))
            and schema.get("minProperties", 0) <= len(value) <= schema.get("maxProperties", len(value))
            and all(wire_conforms(name, names) for name in value)
            and all(
                wire_conforms(child, properties[name])
                if name in properties
                else extra is True or (isinstance(extra, dict) and wire_conforms(child, extra))
                for name, child in value.items()
            )
        )
    if kind == "array":
        items = _as_array(value)
        return (
            items is not None
            and schema.get("minItems", 0) <= len(items) <= schema.get("maxItems", len(items))
            and all(wire_conforms(item, schema.get("items", {})) for item in items)
        )
    if kind == "boolean":
        return value in ("true", "false")
    if kind == "integer":
        if not isinstance(value, str) or not re.fullmatch(r"-?[0-9]+", value):
            return False
        number = int(value)
        return bool(schema.get("minimum", number) <= number <= schema.get("maximum", number))
    if kind == "string":
        pattern = schema.get("pattern")
        if pattern is not None and pattern.endswith("$") and not pattern.endswith("\\$"):
            pattern = pattern[:-1] + r"\Z"  # JSON Schema's `$` is the end of the text, Python's allows a newline
        return (
            isinstance(value, str)
            and schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
            and (pattern is None or re.search(pattern, value) is not None)
        )
    raise AssertionError(f"wire_conforms does not know the type {kind!r}: teach it")
