"""The risk decision for one card attempt: signals, score, then rules in Radar's order.

1. Card-testing limits (not overridable): a PaymentIntent, shopper IP address or merchant with a burst
   of declines in the last hour has its next attempts blocked until the hour has passed (a merchant only
   when at least half of its attempts that hour failed).
2. `request_credentials` rules (3-D Secure) — the others are still evaluated after one matches;
3. `allow` (stops), 4. `block` (stops), 5. `review` — custom and default rules alike.

Stripe's risk test cards keep their documented scores; `4100000000000019` is blocked whatever the rules.
Every other public test card is scored without its fraud history (`signals.for_scoring`), so the dispute
and early-fraud-warning cards behave as documented however often a developer tests with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.scope import Scope
from lynk.radar import repository, rule_book, scoring, signals
from lynk.radar.signals import PaymentFacts

# (bin, last4) of Stripe's risk test cards → (score, always blocked)
TEST_CARDS: dict[tuple[str, str], tuple[int, bool]] = {
    ("410000", "0019"): (95, True),
    ("400000", "4954"): (85, False),
    ("400000", "9235"): (70, False),
}


@dataclass(frozen=True)
class Limits:
    """Declines in the last hour after which a source is blocked (0: no limit), and where windows are counted."""

    per_intent: int = 10
    per_ip: int = 10
    per_merchant: int = 200
    redis_url: str | None = None  # velocity windows in Redis (LYNK_REDIS_URL), else in the database


@dataclass(frozen=True)
class Decision:
    action: str  # allow (no rule matched, or an allow rule), block, review
    score: int
    level: str
    reason: str | None  # highest_risk_level, elevated_risk_level, rule, card_testing
    rule: rule_book.Rule | None
    request_credentials: bool
    explanation: list[dict[str, Any]]
    attributes: dict[str, Any] = field(repr=False)  # as stored on the attempt row

    @property
    def blocked(self) -> bool:
        return self.action == "block"


def _card_testing(attrs: Mapping[str, Any], limits: Limits) -> rule_book.Rule | None:
    checks = (
        ("declined_charges_per_payment_intent_hourly", limits.per_intent, "intent"),
        ("declined_charges_per_ip_address_hourly", limits.per_ip, "ip_address"),
        ("declined_charges_per_merchant_hourly", limits.per_merchant, "merchant"),
    )
    for attribute, limit, source in checks:
        declines = int(attrs.get(attribute) or 0)
        if not limit or declines < limit:
            continue
        if source == "merchant" and declines * 2 < int(attrs.get("total_charges_per_merchant_hourly") or 0):
            continue  # a busy merchant's ordinary declines: a burst is when most of its attempts fail
        return rule_book.Rule(f"rule_card_testing_{source}", "block", f":{attribute}: >= {limit}", None)
    return None


async def _windows_and_book(
    session: AsyncSession, scope: Scope, facts: PaymentFacts, now: int, limits: Limits
) -> tuple[dict[str, Any], rule_book.Book, Mapping[str, frozenset[str]]]:
    """The windows (of the merchant's, the declines of its minute and hour only; of a shared test card's, none)
    with the rules and the lists' stamp in one statement: the stage's one round trip (a second when the lists
    changed since this process last read them). Rules reading the merchant's other counts or a shared test
    card's windows or history, or the merchant's declines at the card-testing limit (which then weighs them
    against all its attempts), cost a statement for those windows."""
    params = repository.book_params(scope)
    merchant, livemode = scope.merchant_id, scope.livemode
    stored, rows = await signals.gather(
        session, merchant, livemode, facts, now, merchant_windows=None, test_card_windows=False, book=params
    )
    book, lists = await rule_book.from_book_rows(session, scope, rows)
    windows = signals.merchant_windows_for(book.attributes)
    if windows is None and _merchant_at_limit(stored, limits):
        windows = signals.MERCHANT_WINDOWS
    test_card = facts.shared_test_card and signals.shared_card_counted_for(book.attributes)
    if windows is not None or test_card:
        stored, _ = await signals.gather(
            session, merchant, livemode, facts, now, merchant_windows=windows, test_card_windows=test_card
        )
    return stored, book, lists


def _merchant_at_limit(stored: Mapping[str, Any], limits: Limits) -> bool:
    return bool(limits.per_merchant) and int(stored["declined_charges_per_merchant_hourly"]) >= limits.per_merchant


def _reason(rule: rule_book.Rule) -> str:
    return {
        rule_book.BLOCK_HIGHEST: "highest_risk_level",
        rule_book.REVIEW_ELEVATED: "elevated_risk_level",
    }.get(rule.id, "card_testing" if rule.id.startswith("rule_card_testing") else "rule")


async def assess(
    session: AsyncSession, scope: Scope, facts: PaymentFacts, *, now: int, limits: Limits, rules_on: bool = True
) -> Decision:
    if rules_on and not limits.redis_url:
        stored, book, lists = await _windows_and_book(session, scope, facts, now, limits)
    else:
        # The rules come first: they say which of the merchant's windows to count. The lists they read are
        # this process's, read again when their stamp (in the same round trip as the rules) has changed.
        book, lists = await rule_book.load_with_lists(session, scope) if rules_on else (rule_book.Book(()), {})
        # Redis counts a merchant's window in one `ZCOUNT` whatever its volume: all of its minute and hour.
        windows = signals.merchant_windows_for(book.attributes) or signals.MERCHANT_WINDOWS
        stored, _ = await signals.gather(
            session, scope.merchant_id, scope.livemode, facts, now, redis_url=limits.redis_url, merchant_windows=windows
        )
    known = TEST_CARDS.get((facts.bin, facts.last4)) if not scope.livemode else None
    if known is not None:
        risk = scoring.fixed(known[0], "Stripe's risk test card")
    else:
        risk = scoring.score(signals.for_scoring(stored, facts))
    attrs = signals.for_rules(stored, score=risk.value, level=risk.level)

    def decide(action: str, rule: rule_book.Rule | None, reason: str | None, credentials: bool = False) -> Decision:
        return Decision(action, risk.value, risk.level, reason, rule, credentials, risk.explanation, stored)

    testing = _card_testing(stored, limits)
    if testing is not None:
        return decide("block", testing, "card_testing")
    if known is not None and known[1]:
        return decide("block", None, "highest_risk_level")
    if not rules_on:
        return decide("allow", None, None)
    credentials = any(rule.matches(attrs, lists) for rule in book.of("request_credentials"))
    for action in ("allow", "block", "review"):
        for rule in book.of(action):
            if rule.matches(attrs, lists):
                return decide(action, rule, _reason(rule), credentials)
    return decide("allow", None, None, credentials)
