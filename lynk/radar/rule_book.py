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

DEFAULT_ALIASES = [alias for alias, _n, _t, _a in DEFAULT_LISTS]


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
    def attributes(self) -> frozenset[str]:
        """Every attribute the rules read."""
        return frozenset().union(*(rule.parsed.attributes for rule in self.rules))


async def load(session: AsyncSession, scope: Scope) -> Book:
    return _book(await repository.rule_rows(session, scope))


async def load_with_lists(session: AsyncSession, scope: Scope) -> tuple[Book, Mapping[str, frozenset[str]]]:
    """The book and the values of the lists it reads (lower-cased: list matching ignores case), in one round
    trip: the risk stage's when its windows are in Redis (else they come in the windows' statement)."""
    return from_book_rows(await repository.book_rows(session, scope, DEFAULT_ALIASES))


def from_book_rows(rows: Sequence[Any]) -> tuple[Book, Mapping[str, frozenset[str]]]:
    """The book and its lists from the rows of `repository.book_branches`, built once per process for the
    same rows: the rows are their own version stamp (a rule or list item changed, added or deleted changes
    them), so a change shows at the next payment. Shared: read only."""
    return _from_book_rows(tuple(rows))


@lru_cache(maxsize=256)
def _from_book_rows(rows: tuple[Any, ...]) -> tuple[Book, Mapping[str, frozenset[str]]]:
    book, lists = from_rows(*repository.read_book(list(rows)))
    return book, MappingProxyType(lists)


def from_rows(rows: list[repository.RuleRow], values: dict[str, list[str]]) -> tuple[Book, dict[str, frozenset[str]]]:
    """The book and its lists from `repository.read_book`'s answer."""
    book = _book(rows)
    return book, {alias: frozenset(v.lower() for v in values.get(alias, ())) for alias in _aliases(book)}


def _book(rows: list[repository.RuleRow]) -> Book:
    disabled = {row.builtin for row in rows if row.builtin is not None and row.deleted}
    found = [Rule(key, action, predicate, None) for key, (action, predicate) in BUILTIN.items() if key not in disabled]
    found += [Rule(row.id, row.action, row.predicate, row.created) for row in rows if row.builtin is None]
    return Book(tuple(found))


def _aliases(book: Book) -> list[str]:
    return sorted({alias for rule in book.rules for alias in rule.parsed.lists})


def builtin(rule_id: str) -> Rule | None:
    found = BUILTIN.get(rule_id)
    return Rule(rule_id, found[0], found[1], None) if found else None
