"""Radar's use cases: the risk decision of a card attempt and its record, fraud reports (network history),
rules (a Lynk extension), and early fraud warnings (Stripe's test card `4000000000005423`), which the
merchant may read and refund before a dispute comes. Reviews and value lists: `reviews.py`, `value_lists.py`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import EarlyFraudWarning, RadarRule
from lynk.radar import assessment, redis_windows, repository, rule_book, rules, scoring, signals, velocity
from lynk.radar.assessment import Decision, Limits
from lynk.radar.errors import EarlyFraudWarningNotFound, RuleNotFound
from lynk.radar.objects import early_fraud_warning_object


async def create(
    session: AsyncSession,
    scope: Scope,
    *,
    charge_id: str,
    payment_intent_id: str | None,
    fraud_type: str = "made_with_stolen_card",
    now: int,
) -> EarlyFraudWarning:
    warning = EarlyFraudWarning(
        id=new_id("issfr"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_={},
        charge_id=charge_id,
        payment_intent_id=payment_intent_id,
        fraud_type=fraud_type,
        actionable=True,
    )
    await repository.add(session, warning)
    await velocity.report_fraud(session, charge_id, "early_fraud_warning")
    obj = early_fraud_warning_object(warning)
    await events.record(session, scope, "radar.early_fraud_warning.created", obj, now=now)
    return warning


async def get(session: AsyncSession, scope: Scope, warning_id: str) -> EarlyFraudWarning:
    found = await repository.get(session, scope, warning_id)
    if found is None:
        raise EarlyFraudWarningNotFound(warning_id)
    return found


async def list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, charge_id: str | None, payment_intent_id: str | None
) -> Page[EarlyFraudWarning]:
    return await repository.list_page(session, scope, page, charge_id=charge_id, payment_intent_id=payment_intent_id)


# The risk stage

RULE_TEST_DAYS = 30
RULE_TEST_MAX = 100_000  # attempts replayed by one rule test, newest first


async def assess(
    session: AsyncSession, scope: Scope, facts: signals.PaymentFacts, *, now: int, limits: Limits
) -> Decision:
    return await assessment.assess(session, scope, facts, now=now, limits=limits)


async def record_attempt(
    session: AsyncSession,
    scope: Scope,
    charge_id: str,
    payment_intent_id: str | None,
    decision: Decision,
    *,
    result: str,
    now: int,
    redis_url: str | None = None,
) -> None:
    """One more attempt in the windows of its card, IP address, email, device, Link account and merchant
    (in Redis too when `redis_url` is set)."""
    attrs = decision.attributes
    row = {
        "created": now,
        "merchant_id": scope.merchant_id,
        "livemode": scope.livemode,
        "payment_intent_id": payment_intent_id or "",
        "charge_id": charge_id,
        "fingerprint": str(attrs["card_fingerprint"]),
        "ip_address": attrs.get("ip_address"),
        "email": attrs.get("email"),
        "device": attrs.get("device"),
        "link_account": attrs.get("link_account"),
        "result": result,
        "risk_score": decision.score,
        "attributes": {**attrs, "explanation": decision.explanation},
        "fraud_report": None,
    }
    await velocity.insert_attempt(session, row)
    if redis_url:
        dims = ("fingerprint", "ip_address", "email", "device", "link_account", "merchant_id", "payment_intent_id")
        await redis_windows.add(redis_url, scope.livemode, now, charge_id, result, {c: row[c] for c in dims})


async def purge_attempts(session: AsyncSession, *, now: int) -> int:
    """Upkeep: attempts past the rule test's 30 days go (the windows need a week); fraud reports stay."""
    return await velocity.purge(session, now - RULE_TEST_DAYS * 86400)


async def report_fraud(session: AsyncSession, charge_id: str, kind: str) -> None:
    """A charge was disputed as fraud or refunded as fraud: its card carries that history network-wide."""
    await velocity.report_fraud(session, charge_id, kind)


async def user_report(session: AsyncSession, charge_id: str, verdict: str) -> None:
    """`fraud_details[user_report]`: `fraudulent` reports the card; `safe` or "" takes the report back."""
    if verdict == "fraudulent":
        await velocity.report_fraud(session, charge_id, "user_report")
    else:
        await velocity.clear_user_report(session, charge_id)


async def explanation(session: AsyncSession, scope: Scope, charge_id: str) -> list[dict[str, Any]]:
    """`outcome.explanation` (a Lynk extension): the signals that raised the charge's score, most first."""
    attrs = await velocity.attributes_of(session, scope.merchant_id, scope.livemode, charge_id)
    return list((attrs or {}).get("explanation") or [])


# Rules (a Lynk extension: Stripe keeps them in its Dashboard)


def parse_rule(action: str, predicate: str) -> rules.ParsedRule:
    """Check a rule; a syntax error's column counts from the start of `predicate`."""
    if action not in rules.ACTIONS:
        raise rules.RuleSyntaxError(f"the action must be one of {', '.join(rules.ACTIONS)}", None)
    head = f"{action} if "
    try:
        return rule_book.compile_rule(action, predicate)
    except rules.RuleSyntaxError as error:
        column = None if error.column is None else max(1, error.column - len(head))
        message = error.message.split(": ", 1)[-1]
        raise rules.RuleSyntaxError(message, column) from None


async def list_rules(session: AsyncSession, scope: Scope) -> list[rule_book.Rule]:
    return list((await rule_book.load(session, scope)).rules)


async def get_rule(session: AsyncSession, scope: Scope, rule_id: str) -> rule_book.Rule:
    """A rule, even one deleted since (a charge's `outcome.rule` keeps pointing at it)."""
    found = rule_book.builtin(rule_id)
    if found is not None:
        return found
    row = await repository.get_rule(session, scope, rule_id)
    if row is None or row.builtin is not None:
        raise RuleNotFound(rule_id)
    return rule_book.Rule(row.id, row.action, row.predicate, row.created)


async def create_rule(session: AsyncSession, scope: Scope, action: str, predicate: str, *, now: int) -> rule_book.Rule:
    parse_rule(action, predicate)
    row = RadarRule(
        id=new_id("rule"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_={},
        action=action,
        predicate=predicate.strip(),
        builtin=None,
        deleted=False,
    )
    await repository.add(session, row)
    return rule_book.Rule(row.id, row.action, row.predicate, row.created)


async def delete_rule(session: AsyncSession, scope: Scope, rule_id: str, *, now: int) -> None:
    """Delete a rule; deleting a default rule switches it off for this merchant and mode."""
    if rule_book.builtin(rule_id) is not None:
        rows = await repository.rules(session, scope)
        if any(row.builtin == rule_id and row.deleted for row in rows):
            raise RuleNotFound(rule_id)
        off = RadarRule(
            id=new_id("rule"),
            created=now,
            merchant_id=scope.merchant_id,
            livemode=scope.livemode,
            metadata_={},
            action=rule_book.BUILTIN[rule_id][0],
            predicate=rule_book.BUILTIN[rule_id][1],
            builtin=rule_id,
            deleted=True,
        )
        await repository.add(session, off)
        return
    row = await repository.get_rule(session, scope, rule_id)
    if row is None or row.deleted or row.builtin is not None:
        raise RuleNotFound(rule_id)
    row.deleted = True
    await session.flush()


async def test_rule(session: AsyncSession, scope: Scope, action: str, predicate: str, *, now: int) -> dict[str, Any]:
    """How many of the merchant's card attempts of the last 30 days the rule would have matched."""
    parsed = parse_rule(action, predicate)
    since = now - RULE_TEST_DAYS * 86400
    attempts = await velocity.recent_for_merchant(session, scope.merchant_id, scope.livemode, since, RULE_TEST_MAX)
    aliases = sorted(parsed.lists)
    values = await repository.list_values(session, scope, aliases)
    lists = {alias: frozenset(v.lower() for v in found) for alias, found in values.items()}
    matched = 0
    for stored, score in attempts:
        attrs = signals.for_rules(stored, score=score, level=scoring.level_of(score))
        matched += parsed.test(attrs, lists)
    return {
        "object": "radar.rule_test",
        "action": action,
        "predicate": predicate.strip(),
        "matched": matched,
        "total": len(attempts),
        "since": since,
    }
