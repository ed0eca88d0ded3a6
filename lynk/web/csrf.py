"""Cross-site request forgery: a double-submitted token and the browser's word on where a POST comes from.

A page sets the token in a `SameSite=Strict`, HttpOnly cookie scoped to its path, and repeats it in its
forms (a hidden `csrf_token` field) or in its scripts' `X-CSRF-Token` header. A POST passes when the
two agree and the browser says it comes from Lynk itself: `Origin` (when sent) is Lynk's, and
`Sec-Fetch-Site` (when sent) is `same-origin`. Routes check this by default (router.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from lynk.core.ids import random_token
from lynk.runtime import Runtime

FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def secure(request: Request) -> bool:
    """Whether cookies must be `Secure`: Lynk is served over https (by its public URL or this request)."""
    return runtime_of(request).settings.public_url.startswith("https://") or request.url.scheme == "https"


def same_origin(request: Request) -> bool:
    """The browser says the request comes from Lynk's own origin (or says nothing, as non-browsers do)."""
    origin = request.headers.get("origin")
    own = runtime_of(request).settings.public_url.rstrip("/")
    if origin is not None and origin not in (own, f"{request.url.scheme}://{request.url.netloc}"):
        return False
    return request.headers.get("sec-fetch-site", "same-origin") == "same-origin"


@dataclass(frozen=True)
class CsrfPolicy:
    """Where a set of pages keeps its token: the cookie's name and path."""

    cookie: str
    path: str

    def token(self, request: Request) -> str:
        """The browser's token if it has one (so several tabs keep working), else a new one."""
        found = request.cookies.get(self.cookie, "")
        return found if 32 <= len(found) <= 64 else random_token(32)

    def set_cookie(self, request: Request, response: Response, token: str) -> None:
        response.set_cookie(
            self.cookie, token, httponly=True, samesite="strict", secure=secure(request), path=self.path
        )

    def passes(self, request: Request, form: dict[str, str] | None) -> bool:
        """The token came back (in the form, else the header), matches the cookie, and from Lynk's origin."""
        cookie = request.cookies.get(self.cookie, "")
        given = (form or {}).get(FORM_FIELD) or request.headers.get(HEADER, "")
        return bool(cookie and given and hmac.compare_digest(cookie.encode(), given.encode()) and same_origin(request))


# A set of pages keeps one policy, or one per mode (the account page's live and test paths).
PolicyOf = CsrfPolicy | Callable[[Request], CsrfPolicy]


def policy_for(policy: PolicyOf, request: Request) -> CsrfPolicy:
    return policy if isinstance(policy, CsrfPolicy) else policy(request)
