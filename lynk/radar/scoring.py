"""The risk score: a trained logistic regression, 0 to 99, every point traceable to a signal.

The model is data, `data/risk_model.json`, written by `bench/train_risk_model.py` from the simulator's
labelled traffic (its features, coefficients, intercept, scaling, training size and held-out metrics).
Each feature is a rule attribute, transformed (`log1p` for counts and the amount) and divided by its
training maximum, so a signal at zero adds nothing; the score is the model's probability of fraud * 100,
rounded, at most 99. `outcome.explanation` lists the signals that raised it: each one's share of the
log-odds (`contribution` = coefficient * scaled value) and the score `points` it adds. The JSON is read
once, on first use; plain float arithmetic in a fixed order keeps a score the same for the same signals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

ELEVATED, HIGHEST = 65, 75
TRANSFORMS = ("bool", "log1p")


@dataclass(frozen=True)
class Feature:
    name: str  # a rule attribute
    transform: str  # bool (0 or 1) or log1p
    scale: float  # the transformed value's training maximum
    coefficient: float
    description: str


@dataclass(frozen=True)
class Model:
    intercept: float
    features: tuple[Feature, ...]
    training: dict[str, Any]
    held_out: dict[str, Any]


@dataclass(frozen=True)
class Score:
    value: int
    level: str
    explanation: list[dict[str, Any]]  # the signals that raised the score, most first


def parse(raw: Mapping[str, Any]) -> Model:
    features = tuple(
        Feature(str(f["name"]), str(f["transform"]), float(f["scale"]), float(f["coefficient"]), str(f["description"]))
        for f in raw["features"]
    )
    for feature in features:
        if feature.transform not in TRANSFORMS or not feature.scale > 0:
            raise ValueError(f"risk model feature {feature.name}: bad transform or scale")
    return Model(float(raw["intercept"]), features, dict(raw["training"]), dict(raw["held_out"]))


@cache
def model() -> Model:
    """The shipped model, read once."""
    text = resources.files("lynk.radar").joinpath("data/risk_model.json").read_text(encoding="utf-8")
    return parse(json.loads(text))


def level_of(score: int) -> str:
    return "highest" if score >= HIGHEST else "elevated" if score >= ELEVATED else "normal"


def number(value: Any) -> int | Fraction | None:
    """A signal as a number: an int (booleans as 0 or 1) or an exact Fraction (the amount in dollars); the
    same float either way (no Fraction built per count: the stage's cost)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | Fraction):
        return value
    return None


def transformed(transform: str, value: int | Fraction) -> float:
    """A signal's value as the model reads it, before scaling (the training script uses this too)."""
    return float(value) if transform == "bool" else math.log1p(float(max(value, 0)))


def _points(log_odds: float) -> int:
    probability = 1 / (1 + math.exp(-log_odds))
    return min(99, math.floor(probability * 100 + 0.5))


def score(attributes: Mapping[str, Any]) -> Score:
    """Score a payment's attributes (as `signals.for_rules` gives them) with the shipped model."""
    found = model()
    shares: list[tuple[float, Feature, int | Fraction]] = []
    log_odds = found.intercept
    for feature in found.features:
        value = number(attributes.get(feature.name))
        if value is None or value <= 0:
            continue
        share = feature.coefficient * transformed(feature.transform, value) / feature.scale
        log_odds += share
        shares.append((share, feature, value))
    final = _points(log_odds)
    explanation = [
        {
            "signal": feature.name,
            "value": int(value) if value.denominator == 1 else str(Decimal(value.numerator) / value.denominator),
            "contribution": round(share, 3),
            "points": final - _points(log_odds - share),
            "description": feature.description,
        }
        for share, feature, value in sorted(shares, key=lambda item: -item[0])
        if share > 0
    ]
    return Score(final, level_of(final), explanation[:5])


def fixed(value: int, why: str) -> Score:
    """A score set outright (Stripe's risk test cards)."""
    return Score(value, level_of(value), [{"signal": "test_card", "value": 1, "points": value, "description": why}])
