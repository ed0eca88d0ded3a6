"""Train the risk score's model on simulated, labelled traffic and write it as `lynk/radar/data/risk_model.json`.

The traffic follows `bench/fraud.py`'s scenarios (legitimate shoppers, card testers, stolen cards used at
several merchants, Link account takeover), with the variety a benchmark run leaves out: shoppers on Link,
shared household IP addresses, a new card saved to Link, a shopper on a new laptop, issuer declines, and
fraud reports that were mistaken (a shopper's own purchase reported as fraud). Each attempt's features are
computed by Lynk's own code: `lynk.radar.signals.gather` on a throwaway SQLite database of
`radar_attempts`, the attempt then recorded as the payment pipeline records it. So the model learns from
exactly what the risk stage sees at confirm time, and the label is the scenario's (who made the attempt),
never a rule's or the old score's guess. Driving a real server (as `bench/fraud.py` does) would compute
the same windows through HTTP, 100 times slower, with no more truth in the labels.

The model is a logistic regression (scikit-learn, a dev dependency only: `lynk/` reads the JSON) over
features scaled to [0, 1] by their training maximum (after `log1p` for counts and the amount), so a signal
at zero contributes nothing and `coefficient * scaled value` is its share of the log-odds. The held-out
metrics come from a second world simulated with another seed.

    .venv/bin/python bench/train_risk_model.py [--shoppers 1500] [--testers 30] [--stolen 40] \
        [--takeovers 60] [--seed 16] [--out lynk/radar/data/risk_model.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import tempfile
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lynk.core.db import Database
from lynk.models import RiskAttempt
from lynk.radar import scoring, signals
from lynk.radar.scoring import ELEVATED, HIGHEST
from lynk.radar.signals import PaymentFacts

OUT = Path(__file__).resolve().parent.parent / "lynk" / "radar" / "data" / "risk_model.json"

# (attribute, transform, description): what the model reads, as `signals.for_rules` names it. Left out on
# purpose: declines per card and per Link account. Those windows count Lynk's own blocks too, and this
# simulator does not replay the stage's decisions, so the coefficient it learns from issuer declines alone
# (negative: a legitimate shopper retries her card) would make each block lower the next attempt's score.
FEATURES: tuple[tuple[str, str, str], ...] = (
    ("has_fraud_history", "bool", "this card was reported as fraud on the network"),
    ("total_charges_per_card_number_hourly", "log1p", "this card used many times this hour"),
    ("merchants_per_card_number_daily", "log1p", "this card at many merchants today"),
    ("emails_per_card_number_daily", "log1p", "this card with several emails today"),
    ("cards_per_ip_address_hourly", "log1p", "many cards from this IP address"),
    ("declined_charges_per_ip_address_hourly", "log1p", "recent declines from this IP address"),
    ("cards_per_email_daily", "log1p", "many cards for this email"),
    ("declined_charges_per_payment_intent_hourly", "log1p", "declined attempts on this payment"),
    ("amount_in_usd", "log1p", "the amount (USD)"),
    ("is_prepaid", "bool", "a prepaid card"),
    ("is_new_device_on_link", "bool", "a Link account verified from a new device and network"),
    ("is_new_card_on_link", "bool", "a card saved to the Link account less than a day ago"),
    ("cards_per_device_daily", "log1p", "many cards paid from this device"),
)
NAMES = [name for name, _t, _d in FEATURES]
MERCHANTS = [f"acct_sim{n}" for n in range(6)]
DAY = 86400


def raw_value(attrs: dict[str, Any], name: str, transform: str) -> float:
    """The feature before scaling, as `lynk/radar/scoring.py` computes it. A feature the signals do not
    produce (renamed?) is an error, not a silent zero."""
    if name not in attrs:
        raise KeyError(f"the signals have no attribute {name!r}")
    value = scoring.number(attrs[name])
    return 0.0 if value is None else scoring.transformed(transform, value)


@dataclass
class Attempt:
    at: int
    merchant: str
    facts: PaymentFacts
    fraud: bool
    result: str  # authorized, declined
    report: bool = False  # reported as fraud (later) by the merchant


def _facts(rng: random.Random, card: str, amount: int, **extra: Any) -> PaymentFacts:
    extra.setdefault("email", None)
    extra.setdefault("ip_address", None)
    return PaymentFacts(
        payment_intent_id=extra.pop("intent", f"pi_{uuid.UUID(int=rng.getrandbits(128)).hex[:20]}"),
        amount=amount,
        currency="usd",
        fingerprint=card,
        bin="424242",
        last4="4242",
        brand="visa",
        funding=extra.pop("funding", "credit"),
        card_country="US",
        customer_id=None,
        description=None,
        link=extra.get("device") is not None,
        **extra,
    )


def _id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.getrandbits(64):016x}"


def _ip(rng: random.Random) -> str:
    return f"{rng.randrange(11, 200)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _amount(rng: random.Random, median_usd: float, low: int, high: int) -> int:
    return max(low, min(high, int(rng.lognormvariate(math.log(median_usd), 0.9) * 100)))


def legitimate(rng: random.Random, start: int, span: int) -> list[Attempt]:
    """One shopper: her card (sometimes two, or a household's shared IP), a few payments over the week,
    the odd issuer decline before a retry, on Link from her own browser a third of the time (now and then
    with a card saved today, or from a new laptop on a new network); a mistaken fraud report sometimes."""
    cards = [_id(rng, "fp_")] + ([_id(rng, "fp_")] if rng.random() < 0.1 else [])
    email = f"{_id(rng, 's')}@example.com"
    ip = _ip(rng) if rng.random() < 0.6 else None  # a publishable-key confirm shows her IP
    on_link = rng.random() < 0.3
    device, account = (_id(rng, "dev_"), _id(rng, "csmr_")) if on_link else (None, None)
    funding = "prepaid" if rng.random() < 0.04 else "credit"
    out: list[Attempt] = []
    at = born = start + rng.randrange(span)
    for n in range(rng.choice((1, 1, 1, 2, 2, 3, 5))):
        card = rng.choice(cards)
        extra = {"email": email, "ip_address": ip, "device": device, "link_account": account, "funding": funding}
        # Her account (and its card) is born at her first payment; for a day its card is new, and she often
        # pays again from another device than the one she signed up on. Later, a new phone now and then.
        first_day = on_link and at - born < DAY
        extra["new_card_on_link"] = first_day
        extra["new_device_on_link"] = on_link and n > 0 and rng.random() < (0.25 if first_day else 0.08)
        amount = _amount(rng, 45, 300, 250_000)
        if rng.random() < 0.05:  # insufficient funds, then the same card again minutes later
            facts = _facts(rng, card, amount, **extra)
            out.append(Attempt(at, MERCHANTS[n % len(MERCHANTS)], facts, False, "declined"))
            at += rng.randrange(30, 600)
        out.append(Attempt(at, rng.choice(MERCHANTS), _facts(rng, card, amount, **extra), False, "authorized"))
        out[-1].report = rng.random() < 0.003  # her own purchase, reported as fraud by mistake
        at += rng.randrange(600, 3 * DAY)
    return out


def card_tester(rng: random.Random, start: int, span: int) -> list[Attempt]:
    """One PaymentIntent, one IP address, a list of stolen numbers tried for small amounts: most declined."""
    merchant, ip, intent = rng.choice(MERCHANTS), _ip(rng), _id(rng, "pi_")
    at, out = start + rng.randrange(span), []
    for _ in range(rng.randrange(8, 45)):
        facts = _facts(rng, _id(rng, "fp_"), rng.choice((50, 100, 300, 500)), intent=intent, ip_address=ip, email=None)
        out.append(Attempt(at, merchant, facts, True, "declined" if rng.random() < 0.85 else "authorized"))
        at += rng.randrange(2, 40)
    return out


def stolen_card(rng: random.Random, start: int, span: int) -> list[Attempt]:
    """A stolen card spent at several merchants within hours; the first merchant reports it partway."""
    card, ip = _id(rng, "fp_"), _ip(rng) if rng.random() < 0.5 else None
    at, out = start + rng.randrange(span), []
    shops = rng.sample(MERCHANTS, rng.randrange(2, len(MERCHANTS)))
    for n, merchant in enumerate(shops):
        email = f"{_id(rng, 'x')}@example.net"
        amount = _amount(rng, 80, 500, 400_000)  # ordinary goods, and the odd big one
        out.append(Attempt(at, merchant, _facts(rng, card, amount, email=email, ip_address=ip), True, "authorized"))
        out[-1].report = n == 0 and rng.random() < 0.8
        at += rng.randrange(300, 4 * 3600)
    return out


def takeover(rng: random.Random, start: int, span: int) -> list[Attempt]:
    """A Link account paid from by its owner, then by an attacker from a new device on a new network,
    sometimes with a card he saved first."""
    email, account, own = f"{_id(rng, 'o')}@example.com", _id(rng, "csmr_"), _id(rng, "dev_")
    card, at, out = _id(rng, "fp_"), start + rng.randrange(span), []
    for _ in range(rng.randrange(1, 3)):
        facts = _facts(rng, card, _amount(rng, 45, 300, 50_000), email=email, device=own, link_account=account)
        out.append(Attempt(at, rng.choice(MERCHANTS), facts, False, "authorized"))
        at += rng.randrange(3600, DAY)
    attacker, ip = _id(rng, "dev_"), _ip(rng)
    for _ in range(rng.randrange(1, 4)):
        new_card = rng.random() < 0.4
        extra = {"email": email, "ip_address": ip, "device": attacker, "link_account": account}
        facts = _facts(rng, _id(rng, "fp_") if new_card else card, _amount(rng, 120, 500, 300_000), **extra)
        facts = replace(facts, new_device_on_link=True, new_card_on_link=new_card)
        out.append(Attempt(at, rng.choice(MERCHANTS), facts, True, "authorized"))
        at += rng.randrange(60, 3600)
    return out


def world(rng: random.Random, shoppers: int, testers: int, stolen: int, takeovers: int) -> list[Attempt]:
    start, span = 1_700_000_000, 14 * DAY
    actors = [legitimate] * shoppers + [card_tester] * testers + [stolen_card] * stolen + [takeover] * takeovers
    attempts = [attempt for actor in actors for attempt in actor(rng, start, span)]
    return sorted(attempts, key=lambda a: a.at)


async def features(attempts: list[Attempt]) -> list[dict[str, Any]]:
    """Each attempt's attributes as the risk stage sees them, the attempts recorded in time order."""
    with tempfile.TemporaryDirectory(prefix="lynk-train-") as tmp:
        db = Database(f"sqlite+aiosqlite:///{tmp}/train.db", pool_size=1)
        try:
            async with db.engine.begin() as conn:
                await conn.run_sync(RiskAttempt.__table__.create)  # type: ignore[attr-defined]
            rows: list[dict[str, Any]] = []
            async with db.transaction() as session:
                for n, attempt in enumerate(attempts):
                    stored, _ = await signals.gather(session, attempt.merchant, False, attempt.facts, attempt.at)
                    rows.append(signals.for_rules(stored, score=0, level="normal"))
                    row = RiskAttempt(
                        created=attempt.at,
                        merchant_id=attempt.merchant,
                        livemode=False,
                        payment_intent_id=attempt.facts.payment_intent_id,
                        charge_id=f"ch_{n}",
                        fingerprint=attempt.facts.fingerprint,
                        ip_address=attempt.facts.ip_address,
                        email=attempt.facts.email,
                        device=attempt.facts.device,
                        link_account=attempt.facts.link_account,
                        result=attempt.result,
                        risk_score=0,
                        attributes={},
                        fraud_report="user_report" if attempt.report else None,
                    )
                    session.add(row)
                    await session.flush()
        finally:
            await db.dispose()
    return rows


def matrix(rows: list[dict[str, Any]]) -> list[list[float]]:
    return [[raw_value(row, name, transform) for name, transform, _d in FEATURES] for row in rows]


def train(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    sizes = (args.shoppers, args.testers, args.stolen, args.takeovers)
    train_world = world(random.Random(args.seed), *sizes)
    test_world = world(random.Random(args.seed + 1), *sizes)
    x_train = np.array(matrix(asyncio.run(features(train_world))))
    x_test = np.array(matrix(asyncio.run(features(test_world))))
    y_train = np.array([a.fraud for a in train_world], dtype=int)
    y_test = np.array([a.fraud for a in test_world], dtype=int)
    scale = x_train.max(axis=0)
    scale[scale <= 0] = 1.0  # a signal the sample never showed: coefficient 0 either way
    model = LogisticRegression(C=args.c, max_iter=1000).fit(x_train / scale, y_train)
    p = model.predict_proba(x_test / scale)[:, 1]
    scores = np.minimum(99, np.floor(p * 100 + 0.5))
    legit, fraud = scores[y_test == 0], scores[y_test == 1]
    held_out = {
        "attempts": len(y_test),
        "fraudulent": int(y_test.sum()),
        "roc_auc": round(float(roc_auc_score(y_test, p)), 4),
        "log_loss": round(float(log_loss(y_test, p)), 4),
        "brier": round(float(brier_score_loss(y_test, p)), 4),
        "legitimate_at_least_elevated_pct": round(100 * float((legit >= ELEVATED).mean()), 2),
        "legitimate_highest_pct": round(100 * float((legit >= HIGHEST).mean()), 2),
        "fraud_at_least_elevated_pct": round(100 * float((fraud >= ELEVATED).mean()), 2),
        "fraud_highest_pct": round(100 * float((fraud >= HIGHEST).mean()), 2),
    }
    return {
        "model": "logistic_regression",
        "score": "round(100 * sigmoid(intercept + sum(coefficient * transform(value) / scale))), at most 99",
        "intercept": round(float(model.intercept_[0]), 6),
        "features": [
            {
                "name": name,
                "transform": transform,
                "scale": round(float(s), 6),
                "coefficient": round(float(c), 6),
                "description": description,
            }
            for (name, transform, description), s, c in zip(FEATURES, scale, model.coef_[0], strict=True)
        ],
        "training": {
            "script": "bench/train_risk_model.py",
            "date": datetime.now(UTC).date().isoformat(),
            "seed": args.seed,
            "regularization_c": args.c,
            "scenarios": dict(zip(("shoppers", "card_testers", "stolen_cards", "takeovers"), sizes, strict=True)),
            "attempts": len(y_train),
            "fraudulent": int(y_train.sum()),
        },
        "held_out": held_out,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shoppers", type=int, default=1500, help="legitimate shoppers (default 1500)")
    parser.add_argument("--testers", type=int, default=30, help="card testers (default 30)")
    parser.add_argument("--stolen", type=int, default=40, help="stolen cards (default 40)")
    parser.add_argument("--takeovers", type=int, default=60, help="Link accounts taken over (default 60)")
    parser.add_argument("--seed", type=int, default=16, help="the training world's seed; held out: seed + 1")
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 regularization strength (default 1.0)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the model (default {OUT})")
    args = parser.parse_args(argv)
    if min(args.shoppers, args.testers, args.stolen, args.takeovers) < 1:
        parser.error("every scenario needs at least one actor")
    model = train(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"training": model["training"], "held_out": model["held_out"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
