"""The trained risk model (issue 16 item 2): the shipped JSON, its training script, and how it scores."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest

from lynk.radar import scoring, signals

ROOT = Path(__file__).resolve().parents[2]


def _training_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_risk_model", ROOT / "bench" / "train_risk_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_shipped_model_loads_and_reads_the_signals_the_stage_produces() -> None:
    model = scoring.model()
    names = [feature.name for feature in model.features]
    # Renaming a signal (or a feature of the script) without retraining fails here.
    assert names == _training_script().NAMES
    assert set(names) <= signals.ATTRIBUTES
    assert len(set(names)) == len(names)
    assert model.training["attempts"] > 1000 and model.training["date"]
    # On traffic it never saw: few legitimate attempts refused, few more reviewed (see docs/fraud.md).
    assert model.held_out["legitimate_highest_pct"] <= 0.5 and model.held_out["legitimate_at_least_elevated_pct"] <= 2


def test_the_training_script_runs_end_to_end_on_a_tiny_sample(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    args = ["--shoppers", "12", "--testers", "1", "--stolen", "2", "--takeovers", "2", "--out", str(out)]
    assert _training_script().main(args) == 0
    written = json.loads(out.read_text())
    model = scoring.parse(written)  # what the stage would read
    assert [f.name for f in model.features] == [f.name for f in scoring.model().features]
    assert written["training"]["attempts"] > 0 and 0 <= written["held_out"]["roc_auc"] <= 1


def _base() -> dict[str, object]:
    return {"amount_in_usd": Fraction(2000, 100), "has_fraud_history": False}


def test_the_score_rises_with_a_strongly_fraudulent_signal() -> None:
    scores = [scoring.score({**_base(), "cards_per_ip_address_hourly": n}).value for n in range(0, 30)]
    assert scores == sorted(scores)
    assert scores[0] < scoring.ELEVATED <= scoring.HIGHEST <= scores[-1]
    for feature in scoring.model().features:
        if feature.coefficient > 0:
            values = [scoring.score({**_base(), feature.name: n}).value for n in (0, 1, 3, 10)]
            assert values == sorted(values), feature.name


def test_a_plain_payment_is_normal_and_the_score_is_a_probability() -> None:
    model = scoring.model()
    plain = scoring.score(_base())
    assert plain.level == "normal" and plain.value < 20
    amount = next(f for f in model.features if f.name == "amount_in_usd")
    log_odds = model.intercept + amount.coefficient * math.log1p(20) / amount.scale
    assert plain.value == round(100 / (1 + math.exp(-log_odds)))
    assert scoring.score(_base()) == plain  # deterministic


def test_the_explanation_lists_the_top_contributors_most_first() -> None:
    attrs = {**_base(), "has_fraud_history": True, "merchants_per_card_number_daily": 2, "is_prepaid": False}
    risk = scoring.score(attrs)
    signals_ = [item["signal"] for item in risk.explanation]
    assert signals_[0] == "has_fraud_history" and "merchants_per_card_number_daily" in signals_
    assert "is_prepaid" not in signals_  # not there: no contribution
    contributions = [item["contribution"] for item in risk.explanation]
    assert contributions == sorted(contributions, reverse=True) and all(c > 0 for c in contributions)
    top = risk.explanation[0]
    history = next(f for f in scoring.model().features if f.name == "has_fraud_history")
    assert top["contribution"] == round(history.coefficient / history.scale, 3)
    assert top["points"] > 0 and top["description"] == history.description
    everything = {feature.name: 3 for feature in scoring.model().features if feature.coefficient > 0}
    assert len(scoring.score({**_base(), **everything}).explanation) == 5  # the top five


def test_a_card_reported_as_fraud_is_refused_or_reviewed_and_a_card_testing_pattern_refused() -> None:
    reported = scoring.score({**_base(), "has_fraud_history": True, "merchants_per_card_number_daily": 1})
    assert reported.value >= scoring.ELEVATED
    testing = scoring.score({**_base(), "cards_per_ip_address_hourly": 5, "declined_charges_per_ip_address_hourly": 5})
    assert testing.level == "highest"


def test_a_model_with_a_bad_feature_is_refused() -> None:
    raw = {"intercept": 0, "features": [], "training": {}, "held_out": {}}
    bad = {"name": "x", "transform": "square", "scale": 1, "coefficient": 1, "description": ""}
    with pytest.raises(ValueError):
        scoring.parse({**raw, "features": [bad]})
