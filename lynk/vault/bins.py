"""The BIN table: a card number's brand, funding, issuing country and issuer, shipped as data
(`data/bins.json`), by the longest matching prefix (6 to 19 digits).

It holds Stripe's documented test cards (by brand, co-branded, by country), so a test card's facts (and
the risk signals `:card_country:` and `:card_funding:` read from them) are the ones Stripe documents. A
number no prefix matches gets `funding: "unknown"` and no country; its brand comes from the brand ranges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

MIN_PREFIX = 6


@dataclass(frozen=True)
class BinInfo:
    brand: str
    funding: str
    country: str | None
    issuer: str | None


@cache
def table() -> dict[str, BinInfo]:
    raw = json.loads(resources.files("lynk.vault").joinpath("data/bins.json").read_text(encoding="utf-8"))
    return {
        entry["prefix"]: BinInfo(entry["brand"], entry["funding"], entry.get("country"), entry.get("issuer"))
        for entry in raw["bins"]
    }


def lookup(number: str) -> BinInfo | None:
    """The entry of the longest prefix of `number` (a card number, or a BIN of 6 to 8 digits)."""
    found = table()
    for length in range(len(number), MIN_PREFIX - 1, -1):
        info = found.get(number[:length])
        if info is not None:
            return info
    return None
