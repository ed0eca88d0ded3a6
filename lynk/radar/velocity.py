"""Velocity windows and network history, counted from `radar_attempts` in the database.

One row per card attempt, network-wide (every merchant), so a card, an IP address or an email seen at
one merchant counts at all of them. Each count is one indexed range scan over the last week, with the
shorter windows summed in the same query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.models import RiskAttempt

WINDOWS = {"minutely": 60, "hourly": 3600, "daily": 86400, "weekly": 7 * 86400}
DECLINED = ("declined", "blocked")


def _count(since: int, when: ColumnElement[bool] | None = None) -> Any:
    condition = RiskAttempt.created >= since if when is None else (RiskAttempt.created >= since) & when
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _distinct(since: int, column: Any) -> Any:
    return func.count(func.distinct(case((RiskAttempt.created >= since, column), else_=None)))


async def counts(
    session: AsyncSession,
    livemode: bool,
    dimension: str,
    value: str,
    now: int,
    *,
    distinct: tuple[str, ...] = (),
    merchant_id: str | None = None,
) -> dict[str, int]:
    """Attempts, declines and authorizations per window for one value of `dimension` (a column name);
    `distinct` names columns counted distinct per window too (cards per IP, merchants per card);
    `merchant_id` keeps to one merchant's attempts."""
    column = getattr(RiskAttempt, dimension)
    declined = RiskAttempt.result.in_(DECLINED)
    authorized = RiskAttempt.result == "authorized"
    labels: list[str] = []
    exprs: list[Any] = []
    for name, seconds in WINDOWS.items():
        since = now - seconds
        labels += [f"total_{name}", f"declined_{name}", f"authorized_{name}"]
        exprs += [_count(since), _count(since, declined), _count(since, authorized)]
        for other in distinct:
            labels.append(f"distinct_{other}_{name}")
            exprs.append(_distinct(since, getattr(RiskAttempt, other)))
    stmt = select(*exprs).where(
        RiskAttempt.livemode == livemode, column == value, RiskAttempt.created >= now - WINDOWS["weekly"]
    )
    if merchant_id is not None:
        stmt = stmt.where(RiskAttempt.merchant_id == merchant_id)
    row = (await session.execute(stmt)).one()
    return {label: int(found or 0) for label, found in zip(labels, row, strict=True)}


async def declines_of_intent(session: AsyncSession, payment_intent_id: str, since: int) -> int:
    stmt = select(func.count()).where(
        RiskAttempt.payment_intent_id == payment_intent_id,
        RiskAttempt.created >= since,
        RiskAttempt.result.in_(DECLINED),
    )
    return int((await session.execute(stmt)).scalar_one())


async def fraud_history(
    session: AsyncSession, livemode: bool, fingerprint: str, *, merchant_id: str | None = None
) -> str | None:
    """How this card was reported as fraud anywhere on the network (the first report's kind), or None."""
    stmt = (
        select(RiskAttempt.fraud_report)
        .where(
            RiskAttempt.livemode == livemode,
            RiskAttempt.fingerprint == fingerprint,
            RiskAttempt.fraud_report.is_not(None),
        )
        .limit(1)
    )
    if merchant_id is not None:
        stmt = stmt.where(RiskAttempt.merchant_id == merchant_id)
    found: str | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def add(session: AsyncSession, attempt: RiskAttempt) -> None:
    session.add(attempt)
    await session.flush()


async def report_fraud(session: AsyncSession, charge_id: str, kind: str) -> None:
    """Mark a charge's attempt as reported fraud: its card now carries that history network-wide."""
    stmt = (
        update(RiskAttempt)
        .where(RiskAttempt.charge_id == charge_id, RiskAttempt.fraud_report.is_(None))
        .values(fraud_report=kind)
    )
    await session.execute(stmt)


async def clear_user_report(session: AsyncSession, charge_id: str) -> None:
    """The merchant took back its `user_report=fraudulent`."""
    stmt = (
        update(RiskAttempt)
        .where(RiskAttempt.charge_id == charge_id, RiskAttempt.fraud_report == "user_report")
        .values(fraud_report=None)
    )
    await session.execute(stmt)


async def recent_for_merchant(
    session: AsyncSession, merchant_id: str, livemode: bool, since: int, limit: int
) -> list[tuple[dict[str, Any], int]]:
    """The attributes and score of a merchant's attempts since `since` (newest first), for testing a rule."""
    stmt = (
        select(RiskAttempt.attributes, RiskAttempt.risk_score)
        .where(RiskAttempt.merchant_id == merchant_id, RiskAttempt.livemode == livemode, RiskAttempt.created >= since)
        .order_by(RiskAttempt.created.desc(), RiskAttempt.pk.desc())
        .limit(limit)
    )
    return [(dict(attrs), int(score)) for attrs, score in (await session.execute(stmt)).all()]


async def attributes_of(
    session: AsyncSession, merchant_id: str, livemode: bool, charge_id: str
) -> dict[str, Any] | None:
    stmt = select(RiskAttempt.attributes).where(
        RiskAttempt.charge_id == charge_id, RiskAttempt.merchant_id == merchant_id, RiskAttempt.livemode == livemode
    )
    found = (await session.execute(stmt)).scalars().first()
    return None if found is None else dict(found)


async def purge(session: AsyncSession, before: int) -> int:
    """Forget attempts older than `before`, except those reported as fraud: they are the card's history."""
    stmt = sa_delete(RiskAttempt).where(RiskAttempt.created < before, RiskAttempt.fraud_report.is_(None))
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
