"""Prefixed random ids (`cus_…`, `acct_…`), as Stripe's objects carry them."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


_UNBIASED = 62 * 4  # bytes below this map evenly onto the 62 characters


def random_token(length: int = 24) -> str:
    """A random base62 string with about 5.95 bits of entropy per character (one system call)."""
    out: list[str] = []
    while len(out) < length:
        out.extend(_ALPHABET[b % 62] for b in secrets.token_bytes(length * 2) if b < _UNBIASED)
    return "".join(out[:length])


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{random_token(length)}"
