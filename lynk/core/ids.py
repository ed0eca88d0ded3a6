"""Prefixed random ids (`cus_…`, `acct_…`), as Stripe's objects carry them."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


_UNBIASED = 62 * 4  # bytes below this map evenly onto the 62 characters
# Byte b (< _UNBIASED) -> its character; the others are dropped: one C call maps a whole buffer.
_TABLE = bytes(ord(_ALPHABET[b % 62]) if b < _UNBIASED else 0 for b in range(256))
_BIASED = bytes(range(_UNBIASED, 256))


def random_token(length: int = 24) -> str:
    """A random base62 string with about 5.95 bits of entropy per character (one system call)."""
    out = b""
    while len(out) < length:
        out += secrets.token_bytes(length * 2).translate(_TABLE, _BIASED)
    return out[:length].decode("ascii")


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{random_token(length)}"
