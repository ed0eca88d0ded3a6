"""A merchant's rules: its own (`POST /v1/radar/rules`) and the default ones, with the value lists they read.

Default rules, on unless the merchant deletes them (a row with `builtin` set and `deleted` remembers that):
block if `:risk_level: = 'highest'`, review if `:risk_level: = 'elevated'`, and the default allow and block
lists (`@allowed_card_fingerprints`, `@blocked_emails`, …) as in Stripe's Radar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.scope import Scope
from lynk.radar import repository, rules
from lynk.radar.signals import ATTRIBUTES

BLOCK_HIGHEST = "rule_block_if_highest_risk"
REVIEW_ELEVATED = "rule_review_if_elevated_risk"
ALLOW_LISTS = "rule_allow_if_in_allow_lists"
BLOCK_LISTS = "rule_block_if_in_block_lists"

# (alias, name, item_type, attribute) of the default lists; `allowed_*` feed the allow rule, `blocked_*` the block one
DEFAULT_LISTS: tuple[tuple[str, str, str, str], ...] = (
    ("allowed_card_fingerprints", "Allowed card fingerprints", "card_fingerprint", "card_fingerprint"),
    ("allowed_emails", "Allowed emails", "email", "email"),
    ("allowed_ip_addresses", "Allowed IP addresses", "ip_address", "ip_address"),
    ("allowed_customers", "Allowed customers", "customer_id", "customer"),
    ("blocked_card_fingerprints", "Blocked card fingerprints", "card_fingerprint", "card_fingerprint"),
    ("blocked_card_bins", "Blocked card BINs", "card_bin", "card_bin"),
    ("blocked_card_countries", "Blocked card countries", "country", "card_country"),
    ("blocked_emails", "Blocked emails", "email", "email"),
    ("blocked_email_domains", "Blocked email domains", "string", "email_domain"),
    ("blocked_ip_addresses", "Blocked IP addresses", "ip_address", "ip_address"),
    ("blocked_customers", "Blocked customers", "customer_id", "customer"),
)


def _over(prefix: str) -> str:
    return " OR ".join(f":{attr}: IN @{alias}" for alias, _n, _t, attr in DEFAULT_LISTS if alias.startswith(prefix))


BUILTIN: dict[str, tuple[str, str]] = {
    ALLOW_LISTS: ("allow", _over("allowed_")),
    BLOCK_LISTS: ("block", _over("blocked_")),
    BLOCK_HIGHEST: ("block", ":risk_level: = 'highest'"),
    REVIEW_ELEVATED: ("review", ":risk_level: = 'elevated'"),
}


@lru_cache(maxsize=4096)
def compile_rule(action: str, predicate: str) -> rules.ParsedRule:
    """Parse `{action} if {predicate}` once per text (parsed rules are pure functions)."""
    return rules.parse(f"{action} if {predicate}", ATTRIBUTES)


@dataclass(frozen=True)
class Rule:
    id: str
    action: str
    predicate: str
    created: int | None  # None for the default rules

    @property
    def parsed(self) -> rules.ParsedRule:
        return compile_rule(self.action, self.predicate)

    def matches(self, attrs: Mapping[str, Any], lists: rules.Lists) -> bool:
        return self.parsed.test(attrs, lists)

    def object(self, livemode: bool) -> dict[str, Any]:
        """The rule as `outcome.rule` expands it and `/v1/radar/rules` shows it (a Lynk extension)."""
        return {
            "id": self.id,
            "object": "radar.rule",
            "action": self.action,
            "predicate": self.predicate,
            "created": self.created,
            "default": self.created is None,
            "livemode": livemode,
        }


@dataclass(frozen=True)
class Book:
    rules: tuple[Rule, ...]

    def of(self, action: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.action == action]

    @cached_property
    def aliases(self) -> tuple[str, ...]:
        """The lists the rules read (`@alias`)."""
        return tuple(sorted({alias for rule in self.rules for alias in rule.parsed.lists}))

    @cached_property
    def attributes(self) -> frozenset[str]:
        """Every attribute the rules read."""
        return frozenset().union(*(rule.parsed.attributes for rule in self.rules))


async def load(session: AsyncSession, scope: Scope) -> Book:
    return _book(await repository.rule_rows(session, scope))


async def load_with_lists(session: AsyncSession, scope: Scope) -> tuple[Book, rules.Lists]:
    """The book and the values of the lists it reads (lower-cased: list matching ignores case): the risk
    stage's when its windows are in Redis (else the book's rows come in the windows' statement)."""
    return await from_book_rows(session, scope, await repository.book_rows(session, scope))


async def from_book_rows(session: AsyncSession, scope: Scope, rows: Sequence[Any]) -> tuple[Book, rules.Lists]:
    """The book and its lists from the rows of `repository.book_branches`. The book is built once per process
    for the same rows (they are its version stamp: a rule added or deleted changes them); the lists' values are
    read once per stamp of the merchant's lists (`repository.stamp_lists`), so a change to a list or an item
    shows at the next payment, in every process. Shared: read only."""
    book, stamp = _from_book_rows(tuple(rows))
    values = await _list_values(session, scope, stamp) if book.aliases else _NO_VALUES
    return book, {alias: values.get(alias, _EMPTY) for alias in book.aliases}


@lru_cache(maxsize=256)
def _from_book_rows(rows: tuple[Any, ...]) -> tuple[Book, str | None]:
    found, stamp = repository.read_book(rows)
    return _book(found), stamp


_EMPTY: frozenset[str] = frozenset()
_NO_VALUES: Mapping[str, frozenset[str]] = MappingProxyType({})
_MAX_MERCHANTS = 4096
# (merchant, livemode) → (the stamp its lists had, their values per alias, lower-cased), this process's
_values: dict[tuple[str, bool], tuple[str, Mapping[str, frozenset[str]]]] = {}


async def _list_values(session: AsyncSession, scope: Scope, stamp: str | None) -> Mapping[str, frozenset[str]]:
    if stamp is None:
        return _NO_VALUES  # the merchant never had a list (a stamp comes with the first)
    key = (scope.merchant_id, scope.livemode)
    known = _values.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    read = await repository.list_values(session, scope)
    found: Mapping[str, frozenset[str]] = MappingProxyType(
        {alias: frozenset(v.lower() for v in values) for alias, values in read.items()}
    )
    if len(_values) >= _MAX_MERCHANTS:
        _values.clear()
    _values[key] = (stamp, found)
    return found


def _book(rows: list[repository.RuleRow]) -> Book:
    disabled = {row.builtin for row in rows if row.builtin is not None and row.deleted}
    found = [Rule(key, action, predicate, None) for key, (action, predicate) in BUILTIN.items() if key not in disabled]
    found += [Rule(row.id, row.action, row.predicate, row.created) for row in rows if row.builtin is None]
    return Book(tuple(found))


def builtin(rule_id: str) -> Rule | None:
    found = BUILTIN.get(rule_id)
    return Rule(rule_id, found[0], found[1], None) if found else None
