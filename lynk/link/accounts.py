"""Consumer accounts: one per normalised email in a mode, with phone, name and country.

An account is born through the sign-up endpoint, or from a successful payment whose shopper
opted in (`link_signup[…]` on the confirm). Export and deletion are the shopper's rights:
deletion erases the vault cards and every personal row; grants stay, revoked, with no
personal data, and the ledger never held any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers
from sqlalchemy.exc import IntegrityError

from lynk.core.ids import new_id
from lynk.link import repository, step_up
from lynk.link.context import LinkContext
from lynk.link.errors import ConsumerAccountExists, InvalidEmail, InvalidPhone, PremiumRatePhone
from lynk.models import LinkAccount

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class Signup:
    email: str
    phone: str | None = None
    name: str | None = None
    country: str | None = None


def normalise_email(email: str, *, param: str = "email") -> str:
    """Trim and lowercase (dots are kept: `a.b@x` and `ab@x` are different people at most providers)."""
    cleaned = email.strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise InvalidEmail(param)
    return cleaned


def normalise_phone(phone: str, *, param: str = "phone", country: str | None = None) -> str:
    """E.164 (`+14155550103`) from an international number, or from a national one ("(415) 555-0103")
    read in `country` (ISO 3166 alpha-2), by Google's libphonenumber rules."""
    try:
        parsed = phonenumbers.parse(phone, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(param) from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhone(param)
    if is_premium_rate(parsed):
        raise PremiumRatePhone(param)
    cleaned = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not _E164.match(cleaned):
        raise InvalidPhone(param)
    return cleaned


def is_premium_rate(phone: str | phonenumbers.PhoneNumber) -> bool:
    """A number in a premium-rate or shared-cost range (libphonenumber's ranges): SMS pumpers rent them."""
    if isinstance(phone, str):
        return _stored_is_premium_rate(phone)
    return _premium_rate(phone)


@lru_cache(maxsize=4096)
def _stored_is_premium_rate(phone: str) -> bool:
    """`is_premium_rate` of a stored number (E.164), asked at every code sent: a pure function of the number
    and of the libphonenumber ranges the process loaded, so kept for the most recent numbers."""
    try:
        parsed = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return False
    return _premium_rate(parsed)


def _premium_rate(parsed: phonenumbers.PhoneNumber) -> bool:
    kind = phonenumbers.number_type(parsed)
    return kind in (phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.SHARED_COST)


def redact_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[0]}{'*' * max(1, len(local) - 1)}@{domain}"


def redact_phone(phone: str | None) -> str | None:
    if phone is None:
        return None
    return f"{'*' * (len(phone) - 2)}{phone[-2:]}"


def _param(prefix: str, name: str) -> str:
    return f"{prefix}[{name}]" if prefix else name


async def create(ctx: LinkContext, signup: Signup, *, param_prefix: str = "") -> LinkAccount:
    """A new account; an email already taken in this mode is refused."""
    email = normalise_email(signup.email, param=_param(param_prefix, "email"))
    phone_param = _param(param_prefix, "phone")
    phone = normalise_phone(signup.phone, param=phone_param, country=signup.country) if signup.phone else None
    if await repository.account_by_email(ctx.session, ctx.scope.livemode, email) is not None:
        raise ConsumerAccountExists()
    account = LinkAccount(
        id=new_id("csmr"),
        created=ctx.now,
        livemode=ctx.scope.livemode,
        email=email,
        phone=phone,
        phone_verified=False,
        name=signup.name,
        country=signup.country.upper() if signup.country else None,
        failed_attempts=0,
        locked_until=None,
        signup_merchant_id=ctx.scope.merchant_id,
    )
    try:
        async with ctx.session.begin_nested():  # two sign-ups for one email at once: the second is refused
            await repository.add(ctx.session, account)
    except IntegrityError:
        raise ConsumerAccountExists() from None
    await step_up.remember_shopper(ctx, account.id)
    return account


async def find(ctx: LinkContext, email: str) -> LinkAccount | None:
    return await repository.account_by_email(ctx.session, ctx.scope.livemode, normalise_email(email))


async def get(ctx: LinkContext, account_id: str, *, for_update: bool = False) -> LinkAccount:
    account = await repository.account(ctx.session, account_id, for_update=for_update)
    assert account is not None, "a session's account exists while the session does"
    return account


def export_personal(account: LinkAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "email": account.email,
        "phone": account.phone,
        "phone_verified": account.phone_verified,
        "name": account.name,
        "country": account.country,
        "created": account.created,
        "livemode": account.livemode,
    }
