"""Use cases for merchants and keys.

A key is `sk_test_…`/`pk_test_…` (or `_live_`) followed by 32 random base62 characters.
Only its SHA-256 is stored; the key itself is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.db import Database
from lynk.core.ids import new_id, random_token
from lynk.core.scope import Scope
from lynk.merchants import branding as brand_checks
from lynk.merchants import key_cache, repository
from lynk.merchants.branding import Branding
from lynk.merchants.branding import of as branding_of
from lynk.merchants.errors import ApiKeyNotFound, MerchantNotFound
from lynk.merchants.key_cache import KeyCache
from lynk.models import ApiKey, KeyKind, Merchant


@dataclass(frozen=True)
class KeyPair:
    """A new secret and publishable key; the only time the raw keys exist."""

    secret_key: str
    secret_key_id: str
    publishable_key: str
    publishable_key_id: str
    livemode: bool


@dataclass(frozen=True)
class AuthenticatedKey:
    scope: Scope
    key_id: str
    kind: KeyKind
    expires_at: int | None = None  # a rolled key's end


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_key(merchant_id: str, kind: KeyKind, livemode: bool, now: int) -> tuple[str, ApiKey]:
    prefix = ("sk_" if kind == KeyKind.SECRET else "pk_") + ("live_" if livemode else "test_")
    raw = prefix + random_token(32)
    row = ApiKey(
        id=new_id("key"),
        created=now,
        merchant_id=merchant_id,
        kind=kind,
        livemode=livemode,
        key_hash=hash_key(raw),
        redacted=f"{prefix}…{raw[-4:]}",
        revoked_at=None,
    )
    return raw, row


async def create_keys(session: AsyncSession, merchant_id: str, *, livemode: bool, now: int) -> KeyPair:
    if await repository.get_merchant(session, merchant_id) is None:
        raise MerchantNotFound(merchant_id)
    secret, secret_row = _new_key(merchant_id, KeyKind.SECRET, livemode, now)
    publishable, publishable_row = _new_key(merchant_id, KeyKind.PUBLISHABLE, livemode, now)
    await repository.add(session, secret_row, publishable_row)
    return KeyPair(secret, secret_row.id, publishable, publishable_row.id, livemode)


async def create_merchant(session: AsyncSession, name: str, *, now: int) -> tuple[Merchant, KeyPair]:
    """A merchant with a test-mode key pair."""
    name = name.strip()
    if not name:
        raise ValueError("a merchant needs a name")
    merchant = Merchant(id=new_id("acct", 16), created=now, name=name)
    await repository.add(session, merchant)
    return merchant, await create_keys(session, merchant.id, livemode=False, now=now)


async def get_merchant(session: AsyncSession, merchant_id: str) -> Merchant:
    merchant = await repository.get_merchant(session, merchant_id)
    if merchant is None:
        raise MerchantNotFound(merchant_id)
    return merchant


async def find_merchant_by_name(session: AsyncSession, name: str) -> Merchant | None:
    return await repository.find_merchant_by_name(session, name)


async def list_keys(session: AsyncSession, merchant_id: str) -> list[ApiKey]:
    await get_merchant(session, merchant_id)
    return await repository.list_keys(session, merchant_id)


async def revoke_key(session: AsyncSession, key_id: str, *, now: int) -> ApiKey:
    key = await repository.get_key(session, key_id)
    if key is None:
        raise ApiKeyNotFound(key_id)
    if key.revoked_at is None:
        key.revoked_at = now
        key_cache.forget_after_commit(session)  # this process's caches; others see it within their ttl
    return key


def new_key_cache(ttl: float) -> KeyCache[AuthenticatedKey]:
    """A cache for `authenticate`, one per app; `ttl` 0 reads every key from the database."""
    return KeyCache(ttl=ttl)


async def merchant_key(session: AsyncSession, merchant_id: str, livemode: bool, key_id: str) -> ApiKey:
    """One of the merchant's keys in a mode (another merchant's key is as missing as one that never was)."""
    key = await repository.get_key(session, key_id)
    if key is None or key.merchant_id != merchant_id or key.livemode != livemode:
        raise ApiKeyNotFound(key_id)
    return key


async def roll_key(
    session: AsyncSession, merchant_id: str, livemode: bool, key_id: str, *, expires_in: int, now: int
) -> tuple[ApiKey, str, ApiKey]:
    """(old, new raw key, new): a key of the same kind and mode; the old one stops working now (`expires_in`
    0) or then."""
    old = await merchant_key(session, merchant_id, livemode, key_id)
    if old.revoked_at is not None or (old.expires_at is not None and old.expires_at <= now):
        raise ApiKeyNotFound(key_id)
    raw, new = _new_key(merchant_id, KeyKind(old.kind), old.livemode, now)
    await repository.add(session, new)
    if expires_in <= 0:
        old.revoked_at = now
    else:
        old.expires_at = now + expires_in
    key_cache.forget_after_commit(session)  # this process's caches drop the old key's entry (or its expiry) on commit
    return old, raw, new


def usable(key: ApiKey, now: float) -> bool:
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)


async def authenticate(
    db: Database, raw_key: str, cache: KeyCache[AuthenticatedKey] | None = None, *, now: float | None = None
) -> AuthenticatedKey | None:
    """The merchant and mode of a live key, neither revoked nor past the expiry of a roll; None for anything
    else. With a `cache`, a key read less than its `ttl` ago is not read again (revocations show within
    that time; a roll's expiry is checked on every call)."""
    now = time.time() if now is None else now
    key_hash = hash_key(raw_key)
    if cache is not None and (cached := cache.get(key_hash)) is not None:
        return cached if cached.expires_at is None or cached.expires_at > now else None
    read_at = time.monotonic()
    async with db.transaction(write=False) as session:
        key = await repository.find_key_by_hash(session, key_hash)
    if key is None or not usable(key, now):
        return None
    found = AuthenticatedKey(Scope(key.merchant_id, key.livemode), key.id, KeyKind(key.kind), key.expires_at)
    if cache is not None:
        cache.put(key_hash, found, read_at)
    return found


async def branding(session: AsyncSession, merchant_id: str) -> Branding:
    """The merchant's name, colour, icon and logo, as Lynk's pages show them to her shoppers."""
    return branding_of(await get_merchant(session, merchant_id))


async def update_branding(session: AsyncSession, merchant_id: str, changes: dict[str, str | None]) -> Merchant:
    """Set (a value) or clear (None) `primary_color`, `icon` and `logo`, each checked (merchants/branding.py)."""
    merchant = await get_merchant(session, merchant_id)
    for name, value in changes.items():
        param = f"settings[branding][{name}]"
        if name == "primary_color":
            merchant.brand_color = None if value is None else brand_checks.color(value, param)
        elif name == "icon":
            merchant.brand_icon = None if value is None else brand_checks.image(value, param)
        elif name == "logo":
            merchant.brand_logo = None if value is None else brand_checks.image(value, param)
    await session.flush()
    return merchant
