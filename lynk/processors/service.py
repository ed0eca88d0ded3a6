"""Processor accounts: add (the secret key sealed by the vault), list, remove, and read them for routing.

A merchant's processors are per mode. Each has a rule saying which payments it takes; the payments a
rule admits go to the first such processor by `priority` (then by the order added), the others that
admit them being its fallbacks in the same order. A processor that is removed stays on record (the
charges it served name it) but takes no new payments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.connectors import adyen
from lynk.core.ids import new_id
from lynk.core.scope import Scope
from lynk.merchants import service as merchants
from lynk.models import ProcessorAccount
from lynk.processors import repository
from lynk.processors.errors import InvalidRoutingRule, ProcessorAccountNotFound, UnknownProcessorKind
from lynk.vault import service as vault
from lynk.vault.keyring import Keyring
from lynk.webhooks import targets

KINDS = ["stripe", "adyen"]
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Rules:
    """Which payments a processor takes; an empty list or None admits everything."""

    currencies: list[str] = field(default_factory=list)
    card_brands: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    min_amount: int | None = None
    max_amount: int | None = None

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Rules:
        return cls(
            currencies=list(raw.get("currencies") or []),
            card_brands=list(raw.get("card_brands") or []),
            countries=list(raw.get("countries") or []),
            min_amount=raw.get("min_amount"),
            max_amount=raw.get("max_amount"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "currencies": self.currencies,
            "card_brands": self.card_brands,
            "countries": self.countries,
            "min_amount": self.min_amount,
            "max_amount": self.max_amount,
        }

    def admits(self, *, amount: int, currency: str, brand: str, country: str | None) -> bool:
        if self.currencies and currency.lower() not in self.currencies:
            return False
        if self.card_brands and brand.lower() not in self.card_brands:
            return False
        if self.countries and (country or "").upper() not in self.countries:
            return False
        if self.min_amount is not None and amount < self.min_amount:
            return False
        return self.max_amount is None or amount <= self.max_amount


def checked_rules(
    *,
    currencies: list[str] | None = None,
    card_brands: list[str] | None = None,
    countries: list[str] | None = None,
    min_amount: int | None = None,
    max_amount: int | None = None,
) -> Rules:
    """Normalized rules (currencies and brands lower case, countries upper), or a Stripe-shaped error."""
    for code in currencies or []:
        if len(code) != 3 or not code.isalpha():
            raise InvalidRoutingRule(f"Invalid currency in the routing rule: {code!r}.", "currencies")
    for code in countries or []:
        if len(code) != 2 or not code.isalpha():
            raise InvalidRoutingRule(f"Invalid country in the routing rule: {code!r} (use ISO codes).", "countries")
    for name, value in (("min_amount", min_amount), ("max_amount", max_amount)):
        if value is not None and value < 0:
            raise InvalidRoutingRule(f"{name} must not be negative.", name)
    if min_amount is not None and max_amount is not None and min_amount > max_amount:
        raise InvalidRoutingRule("min_amount is greater than max_amount.", "min_amount")
    return Rules(
        currencies=[c.lower() for c in currencies or []],
        card_brands=[b.lower() for b in card_brands or []],
        countries=[c.upper() for c in countries or []],
        min_amount=min_amount,
        max_amount=max_amount,
    )


@dataclass(frozen=True)
class NewProcessor:
    kind: str
    secret_key: str
    api_base: str | None = None
    name: str | None = None
    priority: int = 0
    rules: Rules = field(default_factory=Rules)
    webhook_secret: str | None = None
    """What the processor signs its webhooks to `/hooks/processors/{id}` with (Stripe: `whsec_…`; Adyen:
    the HMAC key)."""
    merchant_account: str | None = None
    """Adyen: the merchant account payments are made in (sealed with the key)."""
    live_prefix: str | None = None
    """Adyen, live mode: the company's URL prefix, which makes the live API base."""
    timeout_ms: int | None = None
    """How long a call may take before it counts as unanswered (None: `DEFAULT_TIMEOUT_S`)."""


@dataclass(frozen=True)
class ProcessorConfig:
    """What the router needs to call a processor: its credential unsealed, for this request only."""

    id: str
    kind: str
    api_base: str | None
    secret_key: str = field(repr=False)
    rules: Rules
    webhook_secret: str | None = field(default=None, repr=False)
    return_url: str | None = None
    """Where the processor sends the shopper back after its own 3-D Secure page (set by the router)."""
    timeout_s: float = DEFAULT_TIMEOUT_S
    """How long a call may take before it counts as unanswered."""
    merchant_account: str | None = None
    """Adyen: the merchant account (sealed with the key)."""


def _seal(
    keyring: Keyring, account_id: str, secret_key: str, webhook_secret: str | None, merchant_account: str | None
) -> vault.Sealed:
    """The credentials (and Adyen's merchant account) in one sealed document, bound to the account's id."""
    document = json.dumps(
        {"secret_key": secret_key, "webhook_secret": webhook_secret, "merchant_account": merchant_account}
    )
    return vault.seal_secret(keyring, document, record_id=account_id)


def _unseal(keyring: Keyring, row: ProcessorAccount) -> dict[str, str | None]:
    opened: dict[str, str | None] = json.loads(
        vault.unseal_secret(keyring, row.key_id, row.wrapped_key, row.ciphertext, record_id=row.id)
    )
    return opened


async def check_api_base(url: str, *, livemode: bool, policy: targets.PrivateTargets) -> None:
    """A merchant (through the API) may point a processor only where a webhook may go: https:// in live mode,
    and a public address unless `LYNK_WEBHOOK_PRIVATE_TARGETS` allows private ones (test mode by default).
    Otherwise a secret key would make Lynk send requests into the operator's network. The operator's
    command line is not checked."""
    try:
        await targets.resolve(url, livemode=livemode, policy=policy, required=False)
    except targets.TargetRefused:
        raise InvalidRoutingRule(
            "Invalid api_base: use https:// in live mode, and a host on the public internet "
            "(private and loopback addresses are allowed as LYNK_WEBHOOK_PRIVATE_TARGETS says).",
            "api_base",
        ) from None


async def add(
    session: AsyncSession, keyring: Keyring, scope: Scope, new: NewProcessor, *, now: int
) -> ProcessorAccount:
    await merchants.get_merchant(session, scope.merchant_id)
    if new.kind not in KINDS:
        raise UnknownProcessorKind(new.kind, KINDS)
    if not new.secret_key:
        raise InvalidRoutingRule("A processor needs its secret key.", "secret_key")
    if new.timeout_ms is not None and not 100 <= new.timeout_ms <= 120_000:
        raise InvalidRoutingRule("timeout_ms must be from 100 to 120000 (milliseconds).", "timeout_ms")
    api_base = _adyen_base(new, scope.livemode) if new.kind == "adyen" else new.api_base
    account_id = new_id("proc")
    sealed = _seal(keyring, account_id, new.secret_key, new.webhook_secret, new.merchant_account)
    account = ProcessorAccount(
        id=account_id,
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_={},
        kind=new.kind,
        name=new.name,
        api_base=api_base,
        key_id=sealed.key_id,
        wrapped_key=sealed.wrapped_key,
        ciphertext=sealed.ciphertext,
        priority=new.priority,
        rules=new.rules.as_dict(),
        removed=False,
        timeout_ms=new.timeout_ms,
    )
    await repository.add(session, account)
    return account


def _adyen_base(new: NewProcessor, livemode: bool) -> str | None:
    """An Adyen account needs its merchant account; in live mode, its API base or its company's prefix
    (test mode defaults to Adyen's test endpoint)."""
    if not new.merchant_account:
        raise InvalidRoutingRule("An Adyen processor needs its merchant_account.", "merchant_account")
    if new.api_base or not livemode:
        return new.api_base
    if not new.live_prefix or not new.live_prefix.replace("-", "").isalnum():
        raise InvalidRoutingRule("An Adyen processor in live mode needs its live_prefix (or api_base).", "live_prefix")
    return adyen.live_base(new.live_prefix)


async def list_active(session: AsyncSession, scope: Scope) -> list[ProcessorAccount]:
    return await repository.active(session, scope)


async def get(session: AsyncSession, processor_id: str, scope: Scope | None) -> ProcessorAccount:
    account = await repository.get(session, processor_id, scope)
    if account is None or account.removed:
        raise ProcessorAccountNotFound(processor_id)
    return account


async def remove(session: AsyncSession, processor_id: str, scope: Scope | None) -> ProcessorAccount:
    """Take a processor out of routing (`scope` None: the operator, for any merchant)."""
    account = await get(session, processor_id, scope)
    account.removed = True
    await session.flush()
    return account


def _config(row: ProcessorAccount, keyring: Keyring) -> ProcessorConfig:
    credentials = _unseal(keyring, row)
    return ProcessorConfig(
        id=row.id,
        kind=row.kind,
        api_base=row.api_base,
        secret_key=credentials["secret_key"] or "",
        rules=Rules.of(row.rules),
        webhook_secret=credentials.get("webhook_secret"),
        merchant_account=credentials.get("merchant_account"),
        timeout_s=row.timeout_ms / 1000 if row.timeout_ms else DEFAULT_TIMEOUT_S,
    )


async def set_webhook_secret(
    session: AsyncSession, keyring: Keyring, processor_id: str, scope: Scope, webhook_secret: str | None
) -> ProcessorAccount:
    """Give (or, with None, take away) the secret the processor signs its webhooks with."""
    account = await get(session, processor_id, scope)
    credentials = _unseal(keyring, account)
    merchant_account = credentials.get("merchant_account")
    sealed = _seal(keyring, account.id, credentials["secret_key"] or "", webhook_secret, merchant_account)
    account.key_id, account.wrapped_key, account.ciphertext = sealed.key_id, sealed.wrapped_key, sealed.ciphertext
    await session.flush()
    return account


async def for_hook(session: AsyncSession, keyring: Keyring, processor_id: str) -> tuple[Scope, ProcessorConfig] | None:
    """The processor a webhook names in its URL (removed ones too: disputes come after), and its scope."""
    row = await repository.get(session, processor_id, None)
    if row is None:
        return None
    return Scope(row.merchant_id, row.livemode), _config(row, keyring)


async def config(session: AsyncSession, keyring: Keyring, scope: Scope, processor_id: str) -> ProcessorConfig | None:
    """One processor of the scope, removed or not: what it authorized it still captures and refunds."""
    row = await repository.get(session, processor_id, scope)
    return _config(row, keyring) if row is not None else None


async def route_configs(session: AsyncSession, keyring: Keyring, scope: Scope) -> tuple[list[ProcessorConfig], bool]:
    """The scope's processors in fallback order, each with its credential unsealed, and whether it has or had
    any (removed ones count): one query."""
    rows = await repository.every_account(session, scope)
    return [_config(row, keyring) for row in rows if not row.removed], bool(rows)
