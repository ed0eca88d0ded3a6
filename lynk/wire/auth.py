"""Who is calling: the API key of a request (Bearer or Basic), checked through the app's `Authenticator`.

`wire` checks keys through a function the app factory injects, so it imports nothing of `merchants`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request

from lynk.core.db import Database
from lynk.core.errors import AuthenticationError
from lynk.core.scope import Scope


class Auth(StrEnum):
    SECRET = "secret"  # noqa: S105 (a secret key only)
    ANY_KEY = "any_key"  # a secret or a publishable key


@dataclass(frozen=True)
class Caller:
    """Who is calling: the merchant and mode of the key, and what kind of key it is."""

    scope: Scope
    key_id: str
    secret: bool


Authenticator = Callable[[Database, str], Awaitable[Caller | None]]


class PublishableKeyRefused(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(
            "This API call cannot be made with a publishable API key. Please use a secret API key. "
            "You can find a list of your API keys in the output of `lynk keys create`."
        )


def _raw_key(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            user = base64.b64decode(value, validate=True).decode("utf-8").partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        if user:
            return user
    raise AuthenticationError(
        "You did not provide an API key. You need to provide your API key in the Authorization header, "
        "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
    )


def redact_key(raw: str) -> str:
    prefix = next((p for p in ("sk_test_", "sk_live_", "pk_test_", "pk_live_") if raw.startswith(p)), "")
    return f"{prefix}{'*' * 12}{raw[-4:]}" if len(raw) > len(prefix) + 8 else "*" * 12


async def authenticate(request: Request, db: Database, authenticator: Authenticator, auth: Auth) -> Caller:
    raw = _raw_key(request)
    caller = await authenticator(db, raw) if len(raw) <= 200 else None
    if caller is None:
        raise AuthenticationError(f"Invalid API Key provided: {redact_key(raw)}")
    if auth == Auth.SECRET and not caller.secret:
        raise PublishableKeyRefused()
    return caller
