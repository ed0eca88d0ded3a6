"""A payment's signals, as rule attributes: the payment, the card, the shopper, velocity and network history.

`gather` reads the velocity windows (`velocity.py`) and returns the attributes as stored on the attempt
row (JSON-safe: the amount in USD minor units); `for_rules` turns them into what predicates compare
(`:amount_in_usd:` in dollars, exact).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.money import CURRENCIES
from lynk.radar import redis_windows, velocity

# USD per one major unit of a currency: a fixed table for risk only (no money moves by it). Unknown
# currencies count at par, which only matters to amount rules.
USD_RATES: dict[str, Fraction] = {
    "usd": Fraction(1),
    "eur": Fraction(108, 100),
    "gbp": Fraction(127, 100),
    "cad": Fraction(73, 100),
    "aud": Fraction(66, 100),
    "chf": Fraction(113, 100),
    "jpy": Fraction(67, 10000),
    "inr": Fraction(12, 1000),
    "mxn": Fraction(58, 1000),
    "brl": Fraction(18, 100),
}


@dataclass(frozen=True)
class PaymentFacts:
    """What the payments domain knows about one card attempt."""

    payment_intent_id: str
    amount: int
    currency: str
    fingerprint: str
    bin: str
    last4: str
    brand: str
    funding: str | None
    card_country: str | None
    email: str | None
    ip_address: str | None  # the shopper's browser (publishable-key confirms), never the merchant's server
    customer_id: str | None
    description: str | None
    link: bool
    # The browser binding (hashed: a Link payment's, or a card's typed on Lynk's page or element) and the
    # Link account: windows per device and per Link account.
    device: str | None = None
    link_account: str | None = None
    # A Link payment from a session verified on a new device and a new network (account takeover's shape).
    new_device_on_link: bool = False
    new_card_on_link: bool = False  # its card was saved to the Link account less than a day ago
    # One of Stripe's public test cards (test mode): every developer pays with it, so its card history and
    # velocity are this merchant's own, not the network's, and its score never reads that history.
    shared_test_card: bool = False


def shopper_ip(address: str | None) -> str | None:
    """The address as a shopper's, or None for a loopback, private or link-local one: that is a proxy in
    front of Lynk (or the machine itself), shared by every shopper behind it, and would lump them together."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    hidden = parsed.is_loopback or parsed.is_private or parsed.is_link_local or parsed.is_unspecified
    return None if hidden or parsed.is_multicast else str(parsed)


def amount_in_usd_minor(amount: int, currency: str) -> int:
    """The amount in US cents, rounded down."""
    exponent = CURRENCIES[currency].exponent if currency in CURRENCIES else 2
    usd = Fraction(amount, 10**exponent) * USD_RATES.get(currency, Fraction(1))
    return int(usd * 100)


def _velocity(prefix: str, found: Mapping[str, int], distinct: tuple[tuple[str, str], ...] = ()) -> dict[str, int]:
    """One dimension's counts as rule attributes (`total_hourly` → `total_charges_per_{prefix}_hourly`…);
    `distinct` names each distinct count (column, attribute with `{window}`). Only the windows counted."""
    return {name: found[key] for key, name in _renames(prefix, tuple(found), distinct)}


@lru_cache(maxsize=256)
def _renames(prefix: str, keys: tuple[str, ...], distinct: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """(count's key, attribute) pairs for `_velocity`, built once per shape of the counts."""
    out: list[tuple[str, str]] = []
    for window in velocity.WINDOWS:
        # Only the counts made: not the merchant's day and week, nor its attempts beside its declines, when no
        # rule reads them (`merchant_windows_for`).
        out += [
            (f"{kind}_{window}", f"{kind}_charges_per_{prefix}_{window}")
            for kind in _KINDS
            if f"{kind}_{window}" in keys
        ]
        out += [
            (f"distinct_{column}_{window}", name.format(window=window))
            for column, name in distinct
            if f"distinct_{column}_{window}" in keys
        ]
    return tuple(out)


_KINDS = ("total", "declined", "authorized")
_CARD_DISTINCT = (("merchant_id", "merchants_per_card_number_{window}"), ("email", "emails_per_card_number_{window}"))


async def _counts(
    session: AsyncSession, livemode: bool, now: int, dims: list[velocity.Dimension], redis_url: str | None
) -> tuple[list[dict[str, int]], str | None]:
    """The windows from Redis when configured (and reachable), else from the database; and the card's
    (`dims[0]`, when counted) fraud history, always from the database (in the windows' statement when they
    are there)."""
    if redis_url:
        try:
            found = await redis_windows.counts_many(redis_url, livemode, now, dims)
        except redis_windows.Unavailable:
            pass
        else:
            card = dims[0]
            if card.column != "fingerprint":  # a shared test card's, left out (`gather`)
                return found, None
            return found, await velocity.fraud_history(session, livemode, card.value, merchant_id=card.merchant_id)
    found, history, _book = await velocity.counts_history_book(session, livemode, now, dims)
    return found, history


async def gather(
    session: AsyncSession,
    merchant_id: str,
    livemode: bool,
    facts: PaymentFacts,
    now: int,
    *,
    redis_url: str | None = None,
    merchant_windows: tuple[str, ...] | None = tuple(velocity.WINDOWS),
    test_card_windows: bool = True,
    book: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[Any]]:
    """Every attribute of the payment, counting the windows (this attempt not included); of the merchant's
    own windows, `merchant_windows` (see `merchant_windows_for`: None for the declines of its minute and hour
    only). With `book` (`repository.book_params`,
    windows in the database only), also the rows of the merchant's rules and lists, read in the windows'
    statement (`velocity.counts_history_book`); else no rows."""
    attrs: dict[str, Any] = {
        "amount_in_usd_minor": amount_in_usd_minor(facts.amount, facts.currency),
        "amount": facts.amount,
        "currency": facts.currency,
        "card_fingerprint": facts.fingerprint,
        "card_bin": facts.bin,
        "card_brand": facts.brand,
        "card_funding": facts.funding,
        "card_country": facts.card_country,
        "is_prepaid": facts.funding == "prepaid",
        "email": facts.email,
        "email_domain": facts.email.rsplit("@", 1)[-1] if facts.email and "@" in facts.email else None,
        "ip_address": facts.ip_address,
        "ip_country": None,  # Lynk has no IP geolocation database: rules on it match nothing
        "customer": facts.customer_id,
        "description": facts.description,
        "is_link": facts.link,
        "is_new_device_on_link": facts.new_device_on_link,
        "is_new_card_on_link": facts.new_card_on_link,
        "device": facts.device,
        "link_account": facts.link_account,
    }
    own = merchant_id if facts.shared_test_card else None
    # A shared test card's windows and history (every test payment of the merchant with it, even its last
    # minute's) only for a rule that reads them (`test_card_windows`): the model leaves them out (`for_scoring`).
    counts_card = test_card_windows or own is None
    card_dim = velocity.Dimension("fingerprint", facts.fingerprint, ("merchant_id", "email"), own)
    dims = [
        *([card_dim] if counts_card else []),
        velocity.Dimension(
            "merchant_id",
            merchant_id,
            windows=merchant_windows or MERCHANT_WINDOWS,
            declined_only=merchant_windows is None,
        ),
        velocity.Dimension("payment_intent_id", facts.payment_intent_id),
    ]
    shopper = [(prefix, value) for prefix, value in _shopper_dimensions(facts) if value]
    dims += [velocity.Dimension(prefix, str(value), ("fingerprint",)) for prefix, value in shopper]
    if book is None:
        counted, history = await _counts(session, livemode, now, dims, redis_url)
        rows: list[Any] = []
    else:
        counted, history, rows = await velocity.counts_history_book(session, livemode, now, dims, book)
    card = counted.pop(0) if counts_card else {}
    merchant, intent, *by_shopper = counted
    attrs |= _velocity("card_number", card, _CARD_DISTINCT)
    attrs |= _velocity("merchant", merchant)
    attrs["declined_charges_per_payment_intent_hourly"] = intent["declined_hourly"]
    attrs |= _SHOPPER_ZEROS  # a dimension the payment has not (no device…) counts nothing
    for (prefix, _value), found in zip(shopper, by_shopper, strict=True):
        attrs |= _velocity(prefix, found, (("fingerprint", f"cards_per_{prefix}_{{window}}"),))
    attrs["has_fraud_history"] = history is not None
    attrs["fraud_history"] = history
    return attrs, rows


SHOPPER_PREFIXES = ("ip_address", "email", "device", "link_account")


def _shopper_dimensions(facts: PaymentFacts) -> list[tuple[str, str | None]]:
    """The shopper's own dimensions, each counted with its distinct cards: IP address, email, the browser
    (device) when the payment carries one, and a Link payment's account."""
    return [
        ("ip_address", facts.ip_address),
        ("email", facts.email),
        ("device", facts.device),
        ("link_account", facts.link_account),
    ]


def velocity_names(prefix: str) -> list[str]:
    names = [
        f"{kind}_charges_per_{prefix}_{window}"
        for kind in ("total", "declined", "authorized")
        for window in velocity.WINDOWS
    ]
    if prefix in SHOPPER_PREFIXES:
        names += [f"cards_per_{prefix}_{window}" for window in velocity.WINDOWS]
    if prefix == "card_number":
        names += [f"{what}_per_card_number_{window}" for what in ("merchants", "emails") for window in velocity.WINDOWS]
    return names


_SHOPPER_ZEROS: dict[str, int] = dict.fromkeys((n for p in SHOPPER_PREFIXES for n in velocity_names(p)), 0)

# The merchant's declines in its minute and hour are always counted: the card-testing limit reads them. Its
# other counts scan every attempt the merchant had in the window, the one count whose cost grows with a
# merchant's volume (a busy merchant has thousands an hour, and few declines), and the model reads none of
# them: all its attempts and authorizations in the minute and hour are counted only for a rule that reads one,
# or when its declines reach the limit (`assessment`: the limit then weighs them against all the hour's
# attempts); its day and week only for a rule that reads them.
MERCHANT_WINDOWS = ("minutely", "hourly")
_MERCHANT_DECLINES = frozenset(f"declined_charges_per_merchant_{window}" for window in MERCHANT_WINDOWS)
_MERCHANT_LONG = frozenset(name for name in velocity_names("merchant") if name.endswith(("_daily", "_weekly")))
_MERCHANT_SHORT = frozenset(velocity_names("merchant")) - _MERCHANT_LONG - _MERCHANT_DECLINES
_CARD_VELOCITY = frozenset(velocity_names("card_number"))


def merchant_windows_for(read_by_rules: frozenset[str]) -> tuple[str, ...] | None:
    """The merchant's windows to count, given the attributes the merchant's rules read; None for the declines
    of its minute and hour only."""
    if read_by_rules & _MERCHANT_LONG:
        return tuple(velocity.WINDOWS)
    return MERCHANT_WINDOWS if read_by_rules & _MERCHANT_SHORT else None


def for_scoring(stored: Mapping[str, Any], facts: PaymentFacts) -> dict[str, Any]:
    """What the model scores. A public test card leaves out its fraud history, even at this merchant, and its
    own windows: the history is made on purpose (a dispute card is disputed each time), the windows count
    every test the merchant ran with it, and a developer repeating a test expects the card's documented
    outcome, and the same score, each time. The attributes stay for the merchant's own rules."""
    attrs = for_rules(stored, score=0, level="normal")
    if facts.shared_test_card:
        attrs["has_fraud_history"] = False
        for name in _CARD_VELOCITY:
            attrs.pop(name, None)
    return attrs


_CARD_HISTORY = frozenset(("has_fraud_history", "fraud_history"))


def shared_card_counted_for(read_by_rules: frozenset[str]) -> bool:
    """Whether a shared test card's windows and history are counted, given the attributes the merchant's rules
    read."""
    return bool(read_by_rules & (_CARD_VELOCITY | _CARD_HISTORY))


def for_rules(stored: Mapping[str, Any], *, score: int, level: str) -> dict[str, Any]:
    """What predicates compare: the stored attributes, the amount in dollars (exact), and the risk."""
    attrs = dict(stored)
    attrs["amount_in_usd"] = Fraction(int(stored.get("amount_in_usd_minor") or 0), 100)
    attrs["risk_score"], attrs["risk_level"] = score, level
    return attrs


ATTRIBUTES: frozenset[str] = frozenset(
    [
        "amount_in_usd",
        "amount",
        "currency",
        "card_fingerprint",
        "card_bin",
        "card_brand",
        "card_funding",
        "card_country",
        "is_prepaid",
        "email",
        "email_domain",
        "ip_address",
        "ip_country",
        "customer",
        "description",
        "is_link",
        "is_new_device_on_link",
        "is_new_card_on_link",
        "has_fraud_history",
        "fraud_history",
        "risk_score",
        "risk_level",
        "declined_charges_per_payment_intent_hourly",
    ]
    + [name for prefix in ("card_number", "merchant", *SHOPPER_PREFIXES) for name in velocity_names(prefix)]
)
