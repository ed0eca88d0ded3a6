"""Dashboard users and signing in: one-time sign-in links, passwords (argon2id), TOTP with recovery codes,
server-side sessions that rotate on sign-in and end when idle, and the audit log.

Signing in is two steps. The password opens a `password` session (good for the second step only); a TOTP
code or a recovery code ends it and opens an `active` one with a new secret, so a secret seen before
sign-in is worth nothing after. An active session ends after IDLE_SECONDS without a request, and after
MAX_SECONDS whatever happens. Ten failed passwords in a row lock the user out for LOCK_SECONDS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.errors import InvalidRequestError, ResourceMissing
from lynk.core.ids import new_id, random_token
from lynk.dashboard import repository
from lynk.dashboard.errors import LinkNotValid, LockedOut, SecondFactorFailed, SessionEnded, SignInFailed
from lynk.merchants import service as merchants
from lynk.models import DashboardAuditEntry, DashboardSession, DashboardSignInLink, DashboardUser
from lynk.models.dashboard import ROLES
from lynk.vault import service as vault
from lynk.vault.keyring import Keyring

LINK_SECONDS = 24 * 3600
IDLE_SECONDS = 30 * 60
MAX_SECONDS = 12 * 3600
SECOND_STEP_SECONDS = 5 * 60  # from the password to the code
MAX_FAILURES = 10
LOCK_SECONDS = 15 * 60
MIN_PASSWORD = 12
RECOVERY_CODES = 10
TOTP_ISSUER = "Lynk"
TOTP_PURPOSE = "dashboard_totp"  # the vault's key for TOTP secrets at rest
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_hasher = PasswordHasher()
# Checked when the email is unknown, so an unknown email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(random_token(16))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_user(
    session: AsyncSession, merchant_id: str, email: str, role: str, *, now: int
) -> tuple[DashboardUser, str]:
    """A user with no password yet, and the token of its one-time sign-in link."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidRequestError(f"Invalid email address: {email!r}", param="email")
    if role not in ROLES:
        raise InvalidRequestError(f"The role must be one of {', '.join(ROLES)}.", param="role")
    await merchants.get_merchant(session, merchant_id)
    if await repository.user_by_email(session, email) is not None:
        raise InvalidRequestError(f"A dashboard user with the email {email} already exists.", param="email")
    user = DashboardUser(id=new_id("usr"), created=now, merchant_id=merchant_id, email=email, role=role)
    user.recovery_codes, user.totp_last_step, user.failed_sign_ins, user.locked_until = [], 0, 0, 0
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise InvalidRequestError(f"A dashboard user with the email {email} already exists.", param="email") from None
    return user, await new_sign_in_link(session, user, now=now)


async def new_sign_in_link(session: AsyncSession, user: DashboardUser, *, now: int) -> str:
    token = random_token(40)
    session.add(
        DashboardSignInLink(
            id=new_id("dsl"), created=now, user_id=user.id, token_hash=digest(token), expires_at=now + LINK_SECONDS
        )
    )
    await session.flush()
    return token


async def open_link(session: AsyncSession, token: str, *, now: int) -> tuple[DashboardSignInLink, DashboardUser]:
    link = await repository.link_by_hash(session, digest(token)) if token else None
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise LinkNotValid()
    user = await repository.user_by_id(session, link.user_id, for_update=True)
    if user is None or user.disabled_at is not None:
        raise LinkNotValid()
    return link, user


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: DashboardUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


async def _totp_cipher(session: AsyncSession, keyring: Keyring, now: int) -> AESGCM:
    return AESGCM(await vault.keyed_secret(session, keyring, TOTP_PURPOSE, False, now))


async def _seal_totp(session: AsyncSession, keyring: Keyring, user: DashboardUser, secret: str, now: int) -> str:
    """The TOTP secret encrypted (AES-GCM under a key the vault keeps sealed, bound to the user's id): a copy
    of the database alone does not give anyone the codes."""
    nonce = os.urandom(12)
    sealed = (await _totp_cipher(session, keyring, now)).encrypt(nonce, secret.encode(), user.id.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


async def _open_totp(session: AsyncSession, keyring: Keyring, user: DashboardUser, now: int) -> str | None:
    if not user.totp_secret:
        return None
    raw = base64.urlsafe_b64decode(user.totp_secret)
    try:
        return (await _totp_cipher(session, keyring, now)).decrypt(raw[:12], raw[12:], user.id.encode()).decode()
    except InvalidTag:
        return None


def _totp_step(secret: str, code: str, now: int, last_step: int) -> int | None:
    """The time step `code` belongs to (this one or a neighbour, for clock drift), if not used already."""
    totp = pyotp.TOTP(secret)
    current = now // totp.interval
    for step in (current, current - 1, current + 1):
        if step > last_step and hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidRequestError(f"Choose a password of at least {MIN_PASSWORD} characters.", param="password")
    if len(password) > 200:
        raise InvalidRequestError("Choose a password of at most 200 characters.", param="password")


async def enrol(
    session: AsyncSession, keyring: Keyring, token: str, *, password: str, totp_secret: str, code: str, now: int
) -> tuple[DashboardUser, list[str]]:
    """Spend a sign-in link: set the password and the TOTP secret (proved by a code); the new recovery codes."""
    link, user = await open_link(session, token, now=now)
    _check_password_rules(password)
    step = (
        _totp_step(totp_secret, code.replace(" ", ""), now, 0) if re.fullmatch(r"[A-Z2-7]{32}", totp_secret) else None
    )
    if step is None:
        raise InvalidRequestError("That code is not right: enter the code your app shows now.", param="code")
    codes = [f"{random_token(5)}-{random_token(5)}".lower() for _ in range(RECOVERY_CODES)]
    user.password_hash, user.totp_last_step = _hasher.hash(password), step
    user.totp_secret = await _seal_totp(session, keyring, user, totp_secret, now)
    user.recovery_codes = [digest(c) for c in codes]
    user.failed_sign_ins, user.locked_until = 0, 0
    link.used_at = now
    return user, codes


async def _audit_failure(session: AsyncSession, user: DashboardUser, step: str, ip: str | None, now: int) -> None:
    """A failed sign-in of a known user, for its merchant's audit log: which step failed, never what was typed."""
    await audit(session, user, "sign_in_failed", target=None, livemode=False, ip=ip, now=now, details={"step": step})


async def check_password(
    session: AsyncSession, email: str, password: str, *, now: int, ip: str | None = None
) -> DashboardUser:
    user = await repository.user_by_email(session, email.strip().lower(), for_update=True)
    hashed = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        good: bool = _hasher.verify(hashed, password[:200])
    except (VerificationError, InvalidHashError):
        good = False
    if user is None or user.password_hash is None or user.disabled_at is not None:
        raise SignInFailed()
    if user.locked_until > now:
        raise LockedOut()
    if not good:
        await _audit_failure(session, user, "password", ip, now)
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= MAX_FAILURES:
            user.failed_sign_ins, user.locked_until = 0, now + LOCK_SECONDS
        raise SignInFailed()  # the count is kept: the caller commits it (keep_changes)
    user.failed_sign_ins = 0
    return user


async def check_second_factor(
    session: AsyncSession, keyring: Keyring, user: DashboardUser, code: str, *, now: int, ip: str | None = None
) -> str:
    """How the user proved it ("totp" or "recovery_code"); a recovery code is good once."""
    given = code.strip().replace(" ", "").lower()
    secret = await _open_totp(session, keyring, user, now) if given.isdigit() else None
    if secret is not None:
        step = _totp_step(secret, given, now, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return "totp"
    if digest(given) in user.recovery_codes:
        user.recovery_codes = [c for c in user.recovery_codes if c != digest(given)]
        return "recovery_code"
    await _audit_failure(session, user, "second_factor", ip, now)
    raise SecondFactorFailed()  # keeps its changes: the audit entry commits


async def start_session(
    session: AsyncSession, user: DashboardUser, stage: str, *, now: int, livemode: bool = False
) -> str:
    secret = random_token(40)
    lifetime = SECOND_STEP_SECONDS if stage == "password" else MAX_SECONDS
    row = DashboardSession(
        id=new_id("dss"),
        created=now,
        user_id=user.id,
        secret_hash=digest(secret),
        stage=stage,
        livemode=livemode,
        last_seen=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    await session.flush()
    return secret


async def current(
    session: AsyncSession, secret: str | None, *, now: int, stage: str = "active"
) -> tuple[DashboardSession, DashboardUser]:
    """The browser's session at `stage` and its user; an idle or expired one ends here."""
    row = await repository.session_by_hash(session, digest(secret)) if secret else None
    if row is None or row.stage != stage:
        raise SessionEnded()
    if row.expires_at <= now or (stage == "active" and row.last_seen + IDLE_SECONDS <= now):
        row.stage = "ended"
        raise SessionEnded()
    user = await repository.user_by_id(session, row.user_id)
    if user is None or user.disabled_at is not None:
        raise SessionEnded()
    row.last_seen = now
    return row, user


def end(row: DashboardSession) -> None:
    row.stage = "ended"


async def audit(
    session: AsyncSession,
    user: DashboardUser,
    action: str,
    *,
    target: str | None,
    livemode: bool,
    ip: str | None,
    now: int,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        DashboardAuditEntry(
            id=new_id("dal"),
            created=now,
            merchant_id=user.merchant_id,
            user_id=user.id,
            email=user.email,
            action=action,
            target=target,
            livemode=livemode,
            ip=ip,
            details=details or {},
        )
    )
    await session.flush()


async def audit_page(
    session: AsyncSession, merchant_id: str, *, before_pk: int | None, limit: int = 50
) -> Sequence[DashboardAuditEntry]:
    return await repository.audit_page(session, merchant_id, before_pk=before_pk, limit=limit)


async def users_of(session: AsyncSession, merchant_id: str) -> Sequence[DashboardUser]:
    return await repository.users_of(session, merchant_id)


async def user_of(session: AsyncSession, merchant_id: str, user_id: str) -> DashboardUser:
    """One of the merchant's users (another merchant's is as missing as one that never was)."""
    user = await repository.user_by_id(session, user_id, for_update=True)
    if user is None or user.merchant_id != merchant_id:
        raise ResourceMissing("user", user_id)
    return user


async def change_role(session: AsyncSession, admin: DashboardUser, user_id: str, role: str) -> DashboardUser:
    if role not in ROLES:
        raise InvalidRequestError(f"The role must be one of {', '.join(ROLES)}.", param="role")
    user = await user_of(session, admin.merchant_id, user_id)
    if user.id == admin.id:
        raise InvalidRequestError("You cannot change your own role: ask another administrator.", param="role")
    user.role = role
    return user


async def disable(session: AsyncSession, admin: DashboardUser, user_id: str, *, now: int) -> DashboardUser:
    """The user can no longer sign in, and its sessions end at their next request."""
    user = await user_of(session, admin.merchant_id, user_id)
    if user.id == admin.id:
        raise InvalidRequestError("You cannot remove yourself: ask another administrator.", param="user")
    user.disabled_at = user.disabled_at or now
    return user
