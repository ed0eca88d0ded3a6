"""The risk score: 0 to 99 from weighted features, every point traceable to a signal.

A deliberately plain model: each feature adds points when its signal passes a threshold, capped per
feature, so `outcome.explanation` can list exactly what raised a score. The weights are data (`FEATURES`)
tuned on `bench/fraud.py`'s labelled traffic: a card reported as fraud anywhere on the network reaches
`elevated` on its own; a card-testing pattern (many cards or declines from one source) `highest`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

ELEVATED, HIGHEST = 65, 75


@dataclass(frozen=True)
class Feature:
    signal: str  # a rule attribute
    threshold: float  # points start when the signal reaches this
    points: int  # points at the threshold
    per_step: int  # more points per unit above it
    cap: int
    why: str


FEATURES: tuple[Feature, ...] = (
    Feature("has_fraud_history", 1, 63, 0, 63, "this card was reported as fraud on the network"),
    Feature("declined_charges_per_card_number_daily", 2, 8, 6, 30, "recent declines of this card"),
    Feature("cards_per_ip_address_hourly", 3, 10, 5, 30, "many cards from this IP address"),
    Feature("declined_charges_per_ip_address_hourly", 3, 10, 4, 25, "recent declines from this IP address"),
    Feature("cards_per_email_daily", 3, 8, 4, 20, "many cards for this email"),
    Feature("merchants_per_card_number_daily", 4, 10, 3, 20, "this card at many merchants today"),
    Feature("total_charges_per_card_number_hourly", 6, 6, 2, 15, "this card used many times this hour"),
    Feature("amount_in_usd", 1000, 6, 0, 6, "a large amount"),
    Feature("amount_in_usd", 5000, 8, 0, 8, "a very large amount"),
    Feature("is_prepaid", 1, 4, 0, 4, "a prepaid card"),
    Feature("is_new_device_on_link", 1, 25, 0, 25, "a Link account verified from a new device and network"),
    Feature("is_new_card_on_link", 1, 5, 0, 5, "a card saved to the Link account less than a day ago"),
    Feature("cards_per_device_daily", 3, 10, 5, 25, "many cards paid from this device"),
    Feature("declined_charges_per_link_account_daily", 3, 8, 4, 20, "recent declines on this Link account"),
)


@dataclass(frozen=True)
class Score:
    value: int
    level: str
    explanation: list[dict[str, Any]]  # the signals that added points, most first


def level_of(score: int) -> str:
    return "highest" if score >= HIGHEST else "elevated" if score >= ELEVATED else "normal"


def _number(value: Any) -> Fraction | None:
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, int | Fraction):
        return Fraction(value)
    return None


def score(attributes: Mapping[str, Any], fingerprint: str) -> Score:
    """Score a payment's attributes; a card with no signal gets a low base, stable per card."""
    base = 2 + hashlib.sha256(fingerprint.encode()).digest()[0] % 8  # 2 to 9: history alone stays elevated
    explanation: list[dict[str, Any]] = []
    total = base
    for feature in FEATURES:
        value = _number(attributes.get(feature.signal))
        if value is None or value < feature.threshold:
            continue
        points = min(feature.cap, feature.points + int((value - Fraction(feature.threshold)) * feature.per_step))
        total += points
        shown = int(value) if value.denominator == 1 else str(Decimal(value.numerator) / value.denominator)
        explanation.append({"signal": feature.signal, "value": shown, "points": points, "description": feature.why})
    explanation.sort(key=lambda item: -int(item["points"]))
    final = max(0, min(99, total))
    return Score(final, level_of(final), explanation[:5])


def fixed(value: int, why: str) -> Score:
    """A score set outright (Stripe's risk test cards)."""
    return Score(value, level_of(value), [{"signal": "test_card", "value": 1, "points": value, "description": why}])
