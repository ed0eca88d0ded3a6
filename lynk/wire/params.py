"""Typed request parameters: pydantic models whose errors become Stripe's, naming the `param`.

Every endpoint declares a `Params` subclass. Unknown parameters are refused
(`parameter_unknown`), and each validation failure maps to a Stripe error code
with the parameter in its bracket form (`address[line1]`, `expand[0]`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from lynk.core import metadata as metadata_rules
from lynk.core.errors import ParameterError, ParameterInvalid, ParameterMissing, ParameterUnknown

P = TypeVar("P", bound="Params")

MAX_INT = 2**53  # the largest integer every client language round-trips exactly
_INTEGER = re.compile(r"^-?[0-9]+$")


def _as_list(value: Any) -> Any:
    """`k[0]=a&k[1]=b` arrives as `{"0": "a", "1": "b"}`; `k=a` as `"a"`."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) and k.isdigit() and len(k) < 6 for k in value):
            raise PydanticCustomError("list_type", "Invalid array")
        return [value[k] for k in sorted(value, key=int)]
    if isinstance(value, str):
        return [value] if value else []
    return value


def _strict_int(value: Any) -> Any:
    """Integers are plain decimal strings: no `1_000`, no spaces, no `1.0`."""
    if isinstance(value, str) and not _INTEGER.match(value):
        raise PydanticCustomError("int_parsing", "Invalid integer")
    return value


def _redirect_url(value: str) -> str:
    """Where a shopper's browser is sent: an absolute http(s) URL, nothing a browser would run or split."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise PydanticCustomError("redirect_url", "it holds a control character (such as CR or LF)")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not parts.hostname or " " in value:
        raise PydanticCustomError("redirect_url", "use an absolute http:// or https:// URL")
    return value


def _blank_to_none(value: Any) -> Any:
    """Stripe reads an empty string as "unset this field"."""
    return None if value == "" else value


def _metadata(value: Any) -> metadata_rules.MetadataUpdate:
    if value == "":
        return metadata_rules.MetadataUpdate(clear_all=True)
    if not isinstance(value, dict):
        raise PydanticCustomError("dict_type", "Invalid metadata: send metadata[key]=value pairs")
    return metadata_rules.MetadataUpdate(
        values={key: metadata_rules.validate_entry(key, v) for key, v in value.items()}
    )


EMPTY_STRING: JsonSchemaValue = {"type": "string", "enum": [""]}


class _BlankUnsets:
    """JSON schema of an `Unsettable` field: its `null` is sent as the empty string, as Stripe's spec says."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        branches = json_schema.get("anyOf")
        if isinstance(branches, list):
            json_schema["anyOf"] = [dict(EMPTY_STRING) if b == {"type": "null"} else b for b in branches]
        return json_schema


T = TypeVar("T")
FormInt = Annotated[int, BeforeValidator(_strict_int)]
FormList = Annotated[list[T], BeforeValidator(_as_list)]
Unsettable = Annotated[T | None, BeforeValidator(_blank_to_none), _BlankUnsets()]
Metadata = Annotated[
    metadata_rules.MetadataUpdate,
    BeforeValidator(_metadata),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": {"type": "string", "maxLength": metadata_rules.MAX_VALUE_LENGTH},
                    # A key holds no brackets: `metadata[a[b]]` would be read as nesting.
                    "propertyNames": {
                        "minLength": 1,
                        "maxLength": metadata_rules.MAX_KEY_LENGTH,
                        "pattern": r"^[^\[\]]+$",
                    },
                    "maxProperties": metadata_rules.MAX_KEYS,
                },
                EMPTY_STRING,
            ],
            "description": "Set keys to strings; an empty string removes a key, and `metadata=` removes them all.",
        }
    ),
]
# `success_url`, `cancel_url`, `return_url`: absolute http(s) URLs only (no `javascript:`, no CR/LF).
RedirectUrl = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_redirect_url)]
Text = Annotated[str, Field(max_length=5000)]
ShortText = Annotated[str, Field(max_length=500)]
Timestamp = Annotated[FormInt, Field(ge=0, le=MAX_INT)]


class NestedParams(BaseModel):
    """Base of a nested parameter object (`address[…]`). Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, str_max_length=5000)

    @field_validator("*", mode="before")
    @classmethod
    def _stripe_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        """A form boolean is `true` or `false`, as Stripe reads it (pydantic alone would take `0`, `yes`, `on`…)."""
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, str) and value not in ("true", "false") and field and field.annotation in _BOOLEANS:
            raise PydanticCustomError("bool_parsing", "Input should be a valid boolean")
        return value


_BOOLEANS = (bool, bool | None)


class Params(NestedParams):
    """Base of every endpoint's parameters: adds `expand`."""

    expand: FormList[Annotated[str, Field(max_length=500)]] = Field(default_factory=list)

    def given(self, name: str) -> bool:
        """Whether the request carried this parameter at all (to tell unset from absent)."""
        return name in self.model_fields_set


class NoParams(Params):
    pass


def _param_path(loc: tuple[int | str, ...], data: Any, error_type: str) -> str:
    """Build `a[b][0]` from a pydantic location, skipping the union tags pydantic adds."""
    parts: list[str] = []
    node = data
    for index, segment in enumerate(loc):
        key = str(segment)
        if isinstance(node, dict) and key in node:
            parts.append(key)
            node = node[key]
        elif isinstance(node, list) and isinstance(segment, int) and segment < len(node):
            parts.append(key)
            node = node[segment]
        elif index == len(loc) - 1 and error_type in ("missing", "extra_forbidden"):
            parts.append(key)
    if not parts:
        return ""
    return parts[0] + "".join(f"[{p}]" for p in parts[1:])


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:80] + "…"


def to_parameter_error(error: dict[str, Any], data: Any) -> ParameterError:
    kind = error["type"]
    param = _param_path(tuple(error["loc"]), data, kind)
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return ParameterUnknown(param)
    if kind == "missing":
        return ParameterMissing(param)
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        if isinstance(value, list | dict):
            message = f"Invalid integer: {param} must be a single integer, not an array or object."
        elif kind == "int_parsing_size":
            message = f"Invalid integer: {_shown(value)} has too many digits."
        else:
            message = f"Invalid integer: {_shown(value)}"
        return ParameterInvalid(message, param=param, code="parameter_invalid_integer")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return ParameterInvalid(
            f"Invalid {param}: {error['msg'][0].lower()}{error['msg'][1:]}.",
            param=param,
            code="parameter_invalid_integer",
        )
    if kind in ("bool_parsing", "bool_type"):
        return ParameterInvalid(
            f"Invalid boolean: {_shown(value)}. Use true or false.", param=param, code="parameter_invalid_boolean"
        )
    if kind == "string_too_short" and value == "":
        return ParameterInvalid(
            f"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a "
            f"parameter; however '{param}' cannot be unset. You should remove '{param}' from your request "
            "or supply a non-empty value.",
            param=param,
            code="parameter_invalid_empty",
        )
    if kind == "string_too_long":
        return ParameterInvalid(
            f"Invalid {param}: must be at most {ctx.get('max_length')} characters.",
            param=param,
            code="parameter_invalid_string_length",
        )
    if kind in ("literal_error", "enum"):
        expected = ctx.get("expected", "")
        return ParameterInvalid(f"Invalid {param}: must be one of {expected}.", param=param, code="parameter_invalid")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return ParameterInvalid(f"Invalid object: {param} must be an object, sent as {param}[key]=value.", param=param)
    if kind == "list_type":
        return ParameterInvalid(f"Invalid array: {param} must be an array.", param=param)
    if kind == "string_type":
        return ParameterInvalid(f"Invalid string: {param} must be a single string value.", param=param)
    if kind == "redirect_url":
        return ParameterInvalid(
            f"Invalid URL for {param}: {error['msg']}. It must be an absolute URL starting with http:// or https://.",
            param=param,
            code="url_invalid",
        )
    if kind == "value_error" and isinstance(ctx.get("error"), ParameterError):
        return ctx["error"]  # type: ignore[no-any-return]
    message = str(error.get("msg", "Invalid value"))
    return ParameterInvalid(f"Invalid {param}: {message}", param=param)


def parse_params(model: type[P], data: dict[str, Any]) -> P:
    """Validate decoded form data against `model`, raising the first error Stripe-style."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # Unknown parameters first, as Stripe reports them before anything else.
        errors.sort(key=lambda e: e["type"] != "extra_forbidden")
        raise to_parameter_error(dict(errors[0]), data) from None
