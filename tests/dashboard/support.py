"""Factories for the dashboard tests: users made and enrolled through the dashboard service (as `lynk users
create` and the setup page do), TOTP codes from the server's clock, and a browser without JavaScript (httpx with
its cookie jar, sending the page's CSRF token and action keys as the forms do)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import httpx
import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.dashboard import service
from tests.servers import LynkServer

BASE = "/dashboard"
PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@dataclass(frozen=True)
class User:
    email: str
    merchant_id: str
    role: str
    totp_secret: str
    recovery_codes: list[str]


def new_email(role: str) -> str:
    return f"{role}-{next(_counter)}-{pyotp.random_base32()[:6].lower()}@shop.example"


def code_at(server: LynkServer, secret: str, steps_ahead: int = 0) -> str:
    """The code the user's app shows `steps_ahead` 30-second steps from the server's now."""
    return pyotp.TOTP(secret).at(int(server.clock.now()) + 30 * steps_ahead)


def invite(server: LynkServer, merchant_id: str, role: str = "admin") -> tuple[str, str]:
    """(email, the one-time setup link's path), as `lynk users create` prints it."""
    email = new_email(role)

    async def create(session: AsyncSession) -> str:
        _user, token = await service.create_user(session, merchant_id, email, role, now=int(server.clock.now()))
        return token

    return email, f"{BASE}/setup/{server.write(create)}"


def make_user(server: LynkServer, merchant_id: str, role: str = "admin") -> User:
    """A user that has set its password and TOTP (with the previous step's code, so the current one signs in)."""
    email, path = invite(server, merchant_id, role)
    secret = pyotp.random_base32()

    async def enrol(session: AsyncSession) -> list[str]:
        now = int(server.clock.now())
        _user, codes = await service.enrol(
            session,
            server.runtime.keyring,
            path.rsplit("/", 1)[1],
            password=PASSWORD,
            totp_secret=secret,
            code=code_at(server, secret, -1),
            now=now,
        )
        return codes

    return User(email, merchant_id, role, secret, server.write(enrol))


@dataclass
class Dashboard:
    """One browser without JavaScript on the dashboard."""

    server: LynkServer
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.server.base_url, timeout=30)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def form(self, page: str, action: str) -> dict[str, str]:
        """The hidden fields of the form posting to `action` on `page`."""
        html = self.get(page).text
        start = html.index(f'action="{action}"')
        block = html[start : html.index("</form>", start)]
        return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', block))

    def post(self, path: str, data: dict[str, str], *, page: str | None = None) -> httpx.Response:
        body = self.form(page, path) if page else {"csrf_token": self.csrf()}
        body.update(data)
        return self.http.post(path, data=body)

    def csrf(self) -> str:
        html = self.get(f"{BASE}/login").text
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert found is not None, html
        return found.group(1)

    def sign_in(self, user: User, *, steps_ahead: int = 0) -> httpx.Response:
        started = self.post(f"{BASE}/login", {"email": user.email, "password": PASSWORD})
        assert started.status_code == 303, started.text
        done = self.post(f"{BASE}/login/code", {"code": code_at(self.server, user.totp_secret, steps_ahead)})
        assert done.status_code == 303 and done.headers["location"] == f"{BASE}/payments", done.text
        return done
