"""Stripe's metadata rules: string values, limits, `""` removes a key, `metadata=""` clears all."""

from __future__ import annotations

from dataclasses import dataclass, field

from lynk.core.errors import InvalidRequestError, ParameterInvalid

MAX_KEYS = 50
MAX_KEY_LENGTH = 40
MAX_VALUE_LENGTH = 500


@dataclass(frozen=True)
class MetadataUpdate:
    """What a request asks of metadata: clear everything first, then set or remove keys."""

    clear_all: bool = False
    values: dict[str, str] = field(default_factory=dict)

    def apply(self, existing: dict[str, str] | None) -> dict[str, str]:
        result = {} if self.clear_all or existing is None else dict(existing)
        for key, value in self.values.items():
            if value == "":
                result.pop(key, None)
            else:
                result[key] = value
        if len(result) > MAX_KEYS:
            raise InvalidRequestError(
                f"Invalid metadata: metadata can have at most {MAX_KEYS} keys.",
                param="metadata",
                code="parameter_invalid",
            )
        return result


def validate_entry(key: str, value: object) -> str:
    """Check one `metadata[key]=value` pair; return the value."""
    param = f"metadata[{key}]"
    if not key:
        raise ParameterInvalid("Metadata keys cannot be empty.", param="metadata", code="parameter_invalid")
    if len(key) > MAX_KEY_LENGTH:
        raise ParameterInvalid(
            f"Metadata keys can be at most {MAX_KEY_LENGTH} characters long (this one has {len(key)}).",
            param=param[:60],
            code="parameter_invalid",
        )
    if not isinstance(value, str):
        raise ParameterInvalid(
            "Metadata values must be strings; nested objects and arrays are not allowed.",
            param=param,
            code="parameter_invalid",
        )
    if len(value) > MAX_VALUE_LENGTH:
        raise ParameterInvalid(
            f"Metadata values can be at most {MAX_VALUE_LENGTH} characters long (this one has {len(value)}).",
            param=param,
            code="parameter_invalid",
        )
    return value
