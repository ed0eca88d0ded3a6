"""Decode `application/x-www-form-urlencoded` bodies and query strings, Stripe style.

`metadata[order]=6735` becomes `{"metadata": {"order": "6735"}}`. Arrays arrive in
three forms and all decode to the same thing: `expand[]=a&expand[]=b`, indexed
`expand[0]=a&expand[1]=b` (what the official SDKs send; left as a dict of digit keys
here, and turned into a list by the `FormList` parameter type, so `metadata[0]`
stays a mapping), and a repeated key `expand=a&expand=b`.

Malformed input is refused with a 400 that names the parameter when it can: a `%`
not followed by two hex digits, percent-encoded bytes that are not UTF-8, a NUL
character, more than `MAX_FIELDS` fields, unbalanced brackets, nesting deeper than
`MAX_DEPTH`, and one name used both as a string and as an object or array.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

from lynk.core.errors import InvalidRequestError

MAX_FIELDS = 2000
MAX_DEPTH = 8
MAX_KEY_LENGTH = 500

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

FormValue = str | list[Any] | dict[str, Any]


class MalformedBody(InvalidRequestError):
    before_execution = True
    default_code = "parameter_invalid"


def _split_key(key: str) -> list[str]:
    match = _KEY.match(key)
    if match is None or len(key) > MAX_KEY_LENGTH:
        shown = key if len(key) <= 100 else key[:100] + "…"
        raise MalformedBody(
            f"Invalid parameter name: {shown!r}. Nested parameters use brackets, like metadata[key].",
            param=shown,
        )
    segments = [match.group(1), *_SEGMENT.findall(match.group(2))]
    if len(segments) > MAX_DEPTH:
        raise MalformedBody(
            f"Parameter {key[:100]!r} is nested too deeply (at most {MAX_DEPTH} levels).",
            param=key[:100],
        )
    return segments


def _param_name(segments: list[str]) -> str:
    return segments[0] + "".join(f"[{s}]" for s in segments[1:])


def _insert(target: dict[str, Any], segments: list[str], value: str) -> None:
    node: Any = target
    for depth, segment in enumerate(segments):
        last = depth == len(segments) - 1
        name = _param_name(segments[: depth + 1])
        if isinstance(node, list):
            raise MalformedBody(f"Invalid array: {name}", param=name)
        if segment == "":
            raise MalformedBody(f"Invalid parameter name: {name}", param=name)
        # `k[]` marks an array: the next segment is the empty one.
        appends = not last and segments[depth + 1] == "" and depth + 1 == len(segments) - 1
        if appends:
            existing = node.setdefault(segment, [])
            if not isinstance(existing, list):
                raise MalformedBody(f"Conflicting values for {name}", param=name)
            existing.append(value)
            return
        if last:
            existing = node.get(segment)
            if existing is None:
                node[segment] = value
            elif isinstance(existing, str):
                node[segment] = [existing, value]  # a repeated key is an array
            elif isinstance(existing, list) and all(isinstance(v, str) for v in existing):
                existing.append(value)
            else:
                raise MalformedBody(f"Conflicting values for {name}", param=name)
            return
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            raise MalformedBody(f"Conflicting values for {name}", param=name)
        node = child


def decode_pairs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        _insert(result, _split_key(key), value)
    return result


def _field_name(raw_key: str) -> str:
    """A field's name for an error message, as far as it can be read (decoded only when there is an error)."""
    name = unquote_plus(raw_key, errors="replace").replace("\x00", "\ufffd")
    return name if len(name) <= 100 else name[:100] + "…"


def _decode_field(field: str) -> tuple[str, str]:
    """Percent-decode one `key=value` field; errors name the parameter, as far as it can be read."""
    raw_key, _, raw_value = field.partition("=")
    if _BAD_ESCAPE.search(field):
        name = _field_name(raw_key)
        raise MalformedBody(
            f"Invalid percent-encoding in parameter {name!r}: % must be followed by two hex digits "
            "(a literal % is sent as %25).",
            param=name,
        )
    try:
        key, value = unquote_plus(raw_key, errors="strict"), unquote_plus(raw_value, errors="strict")
    except UnicodeDecodeError:
        name = _field_name(raw_key)
        raise MalformedBody(
            f"Parameter {name!r} is not valid UTF-8 once percent-decoded (é is sent as %C3%A9).", param=name
        ) from None
    if "\x00" in key or "\x00" in value:
        name = _field_name(raw_key)
        raise MalformedBody(f"Parameter {name!r} contains a NUL character, which no parameter accepts.", param=name)
    return key, value


def decode_form(raw: bytes | str) -> dict[str, Any]:
    """Decode a form body or query string into nested dicts, lists and strings."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise MalformedBody("The request body is not valid UTF-8.") from None
    fields = text.split("&") if text else []
    if len(fields) > MAX_FIELDS:
        raise MalformedBody(f"Too many parameters: at most {MAX_FIELDS} are accepted.")
    return decode_pairs([_decode_field(field) for field in fields if field])
