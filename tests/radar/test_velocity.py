"""Velocity windows and network history, counted in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from typing import Any

import stripe
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models import RiskAttempt
from lynk.radar import service as radar
from lynk.radar import velocity
from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.radar.support import fresh_card, pay, reported_card_charge
from tests.servers import LynkServer

NOW = 2_000_000_000


def _attempt(fingerprint: str, ago: int, result: str, *, now: int = NOW, **fields: Any) -> RiskAttempt:
    row: dict[str, Any] = {
        "merchant_id": "acct_velocity",
        "livemode": False,
        "payment_intent_id": "pi_velocity",
        "charge_id": f"ch_{uuid.uuid4().hex[:16]}",
        "ip_address": None,
        "email": None,
        "risk_score": 10,
        "attributes": {},
        "fraud_report": None,
    } | fields
    return RiskAttempt(created=now - ago, fingerprint=fingerprint, result=result, **row)


def test_windows_count_attempts_declines_and_distinct_cards(server: LynkServer) -> None:
    card, ip = f"fp_{uuid.uuid4().hex}", f"198.51.100.{uuid.uuid4().int % 250}"
    other = f"fp_{uuid.uuid4().hex}"
    rows = [
        _attempt(card, 30, "declined", ip_address=ip),  # in every window
        _attempt(card, 1800, "authorized", ip_address=ip, merchant_id="acct_other"),  # hour and up
        _attempt(card, 7200, "blocked"),  # day and week
        _attempt(card, 3 * 86400, "authorized"),  # week
        _attempt(card, 8 * 86400, "declined"),  # too old for any window
        _attempt(other, 40, "declined", ip_address=ip),
        _attempt(card, 10, "declined", livemode=True),  # the other mode never counts
    ]

    async def run(session: AsyncSession) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        for row in rows:
            await velocity.add(session, row)
        by_card = await velocity.counts(session, False, "fingerprint", card, NOW, distinct=("merchant_id",))
        by_ip = await velocity.counts(session, False, "ip_address", ip, NOW, distinct=("fingerprint",))
        own = await velocity.counts(session, False, "fingerprint", card, NOW, merchant_id="acct_other")
        return by_card, by_ip, own

    by_card, by_ip, own = server.write(run)
    assert [by_card[f"total_{w}"] for w in ("minutely", "hourly", "daily", "weekly")] == [1, 2, 3, 4]
    assert [by_card[f"declined_{w}"] for w in ("minutely", "hourly", "daily", "weekly")] == [1, 1, 2, 2]
    assert [by_card[f"authorized_{w}"] for w in ("minutely", "hourly", "daily", "weekly")] == [0, 1, 1, 2]
    assert by_card["distinct_merchant_id_minutely"] == 1 and by_card["distinct_merchant_id_hourly"] == 2
    assert by_ip["total_minutely"] == 2 and by_ip["declined_hourly"] == 2
    assert by_ip["distinct_fingerprint_minutely"] == 2
    assert own["total_weekly"] == 1  # kept to one merchant (Stripe's shared test cards)


def test_declines_count_in_the_windows_of_the_card_email_and_merchant(client: stripe.StripeClient) -> None:
    """The windows a rule reads, fed by real payments."""
    card = fresh_card()
    rule = {"action": "review", "predicate": ":total_charges_per_card_number_hourly: >= 2"}
    client.raw_request("post", "/v1/radar/rules", **rule)
    first = pay(client, card, billing={"email": "velocity@example.com"})
    second = pay(client, card, billing={"email": "velocity@example.com"})
    third = pay(client, card)
    outcomes = [client.v1.charges.retrieve(pi.latest_charge).outcome for pi in (first, second, third)]  # type: ignore[arg-type]
    assert [o.type for o in outcomes] == ["authorized", "authorized", "manual_review"]
    assert outcomes[2].reason == "rule"


def test_a_rule_on_the_merchant_s_day_and_week_counts_them(client: stripe.StripeClient) -> None:
    """The merchant's longer windows are counted when a rule reads them (they are left out otherwise)."""
    rule = {"action": "review", "predicate": ":total_charges_per_merchant_daily: >= 2 OR "}
    rule["predicate"] += ":authorized_charges_per_merchant_weekly: > 5"
    client.raw_request("post", "/v1/radar/rules", **rule)
    paid = [pay(client, fresh_card()) for _ in range(3)]
    outcomes = [client.v1.charges.retrieve(pi.latest_charge).outcome for pi in paid]  # type: ignore[arg-type]
    assert [o.type for o in outcomes] == ["authorized", "authorized", "manual_review"]


def test_a_rule_on_all_the_merchant_s_attempts_in_its_hour_counts_them(client: stripe.StripeClient) -> None:
    """Of the merchant's minute and hour, only its declines are counted unless a rule reads the rest."""
    rule = {"action": "review", "predicate": ":total_charges_per_merchant_hourly: >= 2"}
    client.raw_request("post", "/v1/radar/rules", **rule)
    paid = [pay(client, fresh_card()) for _ in range(3)]
    outcomes = [client.v1.charges.retrieve(pi.latest_charge).outcome for pi in paid]  # type: ignore[arg-type]
    assert [o.type for o in outcomes] == ["authorized", "authorized", "manual_review"]


def test_a_card_reported_as_fraud_at_one_merchant_is_refused_or_reviewed_at_another(server: LynkServer) -> None:
    card = fresh_card()
    shop_a, shop_b = make_merchant(server), make_merchant(server)
    a, b = sdk_client(server, shop_a.secret_key), sdk_client(server, shop_b.secret_key)
    before = pay(b, card)
    assert b.v1.charges.retrieve(before.latest_charge).outcome.risk_level == "normal"  # type: ignore[arg-type]
    paid = pay(a, card)
    a.v1.charges.update(paid.latest_charge, params={"fraud_details": {"user_report": "fraudulent"}})  # type: ignore[arg-type]

    charge = reported_card_charge(b, card)
    assert charge.outcome.explanation[0]["signal"] == "has_fraud_history"
    if charge.outcome.type == "manual_review":  # succeeded, in review: the merchant decides
        [review] = b.v1.reviews.list().data
        assert review.charge == charge.id and review.open is True

    a.v1.charges.update(paid.latest_charge, params={"fraud_details": {"user_report": "safe"}})  # type: ignore[arg-type]
    again = pay(b, card)
    assert b.v1.charges.retrieve(again.latest_charge).outcome.type == "authorized"  # type: ignore[arg-type]


def test_a_card_disputed_as_fraud_is_refused_or_reviewed_at_every_merchant(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    """Refunded as fraudulent at one merchant: the same network history as a fraud dispute."""
    card = fresh_card()
    a = sdk_client(server, merchant.secret_key)
    b = sdk_client(server, make_merchant(server).secret_key)
    paid = pay(a, card)
    a.v1.refunds.create(params={"payment_intent": paid.id, "reason": "fraudulent"})
    assert reported_card_charge(b, card).outcome.explanation[0]["signal"] == "has_fraud_history"


def test_upkeep_forgets_old_attempts_but_not_fraud_reports(server: LynkServer) -> None:
    card, now = f"fp_{uuid.uuid4().hex}", int(server.clock.now())  # the server's now: other tests' rows stay
    old, reported, recent = (
        _attempt(card, 31 * 86400, "authorized", now=now),
        _attempt(card, 90 * 86400, "authorized", now=now, fraud_report="dispute"),
        _attempt(card, 29 * 86400, "declined", now=now),
    )

    async def run(session: AsyncSession) -> tuple[int, str | None]:
        for row in (old, reported, recent):
            await velocity.add(session, row)
        await radar.purge_attempts(session, now=now)
        left = await session.scalar(select(func.count()).where(RiskAttempt.fingerprint == card))
        return int(left or 0), await velocity.fraud_history(session, False, card)

    left, history = server.write(run)
    assert left == 2 and history == "dispute"
