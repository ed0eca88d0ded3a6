"""The risk stage of the confirm pipeline: a score and a level for every charge, and blocks.

A first, rule-free version: Stripe's risk test cards get their documented outcome, every
other card a low, deterministic score. The risk issue replaces this with features and rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# (bin, last4) of Stripe's risk test cards → (level, score, blocked)
_TEST_OUTCOMES: dict[tuple[str, str], tuple[str, int, bool]] = {
    ("410000", "0019"): ("highest", 95, True),
    ("400000", "4954"): ("highest", 85, True),
    ("400000", "9235"): ("elevated", 70, False),
}


@dataclass(frozen=True)
class RiskAssessment:
    level: str  # normal, elevated, highest
    score: int  # 0 to 100
    blocked: bool


def assess(bin_: str, last4: str, fingerprint: str) -> RiskAssessment:
    known = _TEST_OUTCOMES.get((bin_, last4))
    if known is not None:
        return RiskAssessment(*known)
    score = hashlib.sha256(fingerprint.encode()).digest()[0] % 50  # stable per card, always "normal"
    return RiskAssessment("normal", score, False)
