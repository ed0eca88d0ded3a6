"""Card numbers, CVCs and bank account numbers inside request parameters: found, keyed, scrubbed.

Whatever Lynk keeps about a request outside the vault (an idempotency fingerprint, a stored
response) must not let anyone recover these values. `keyed_canonical` replaces each of them by a
keyed HMAC, so a fingerprint still tells two cards apart without holding either; `scrub` masks them
in a response body before it is kept or sent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

# Parameter names (the last bracket) whose values are card or bank account data.
SENSITIVE_NAMES = frozenset({"number", "cvc", "account_number"})
_DIGITS = re.compile(r"[0-9]+")


def _leaves(params: Any, name: str = "") -> list[tuple[str, str]]:
    if isinstance(params, dict):
        return [leaf for key, value in params.items() for leaf in _leaves(value, str(key))]
    if isinstance(params, list):
        return [leaf for value in params for leaf in _leaves(value, name)]
    return [(name, params)] if isinstance(params, str) else []


def sensitive_values(params: dict[str, Any]) -> list[str]:
    """The card numbers, CVCs and account numbers in decoded form parameters (digits only, non-empty)."""
    found = {"".join(_DIGITS.findall(value)) for name, value in _leaves(params) if name in SENSITIVE_NAMES}
    return sorted(value for value in found if value)


def keyed_canonical(params: Any, key: bytes, name: str = "") -> Any:
    """`params` with each sensitive value replaced by its keyed HMAC (the same value, the same HMAC)."""
    if isinstance(params, dict):
        return {k: keyed_canonical(v, key, str(k)) for k, v in params.items()}
    if isinstance(params, list):
        return [keyed_canonical(v, key, name) for v in params]
    if isinstance(params, str) and name in SENSITIVE_NAMES:
        return "hmac:" + hmac.new(key, f"{name}:{params}".encode(), hashlib.sha256).hexdigest()
    return params


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def scrub(body: bytes, values: list[str]) -> bytes:
    """`body` with every standalone digit run equal to one of `values` (however its digits are spaced)
    masked. Short values (a CVC) are masked only inside JSON strings, so a number such as an amount
    that happens to equal a CVC stays as it is."""
    if not values:
        return body
    text = body.decode("utf-8", errors="replace")
    for value in values:
        spaced = r"[ -]?".join(re.escape(digit) for digit in value)
        regex = re.compile(rf"(?<![0-9]){spaced}(?![0-9])")

        def mask(match: re.Match[str], regex: re.Pattern[str] = regex) -> str:
            return regex.sub(lambda m: "*" * len(m.group(0)), match.group(0))

        text = regex.sub(lambda m: "*" * len(m.group(0)), text) if len(value) >= 6 else _JSON_STRING.sub(mask, text)
    return text.encode()
