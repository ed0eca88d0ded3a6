"""Card facts that are safe to show: Luhn check, brand, expiry, and BIN facts.

Funding and country come from the BIN table (bins.py, shipped as data); the brand from the brand
ranges below. Unknown BINs get `funding: "unknown"` and no country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lynk.vault import bins
from lynk.vault.errors import IncorrectNumber, InvalidCvc, InvalidExpiryMonth, InvalidExpiryYear

# (prefix ranges, brand, valid lengths); checked in order, longest prefixes first.
_BRANDS: list[tuple[tuple[tuple[int, int], ...], str, tuple[int, ...]]] = [
    (((34, 34), (37, 37)), "amex", (15,)),
    (((300, 305), (36, 36), (38, 39)), "diners", (14, 15, 16)),
    (((3528, 3589),), "jcb", (16,)),
    (((6011, 6011), (644, 649), (65, 65)), "discover", (16,)),
    (((62, 62),), "unionpay", (16, 17, 18, 19)),
    (((51, 55), (2221, 2720)), "mastercard", (16,)),
    (((4, 4),), "visa", (13, 16, 19)),
]

_DIGITS = re.compile(r"^[0-9]{12,19}$")


@dataclass(frozen=True)
class CardFacts:
    brand: str
    last4: str
    bin: str
    funding: str
    country: str | None
    exp_month: int
    exp_year: int


def normalize_number(raw: str) -> str:
    """Digits only: spaces and dashes, as people type them, are dropped."""
    return re.sub(r"[\s-]", "", raw)


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str:
    for ranges, brand, lengths in _BRANDS:
        for low, high in ranges:
            width = len(str(low))
            if low <= int(number[:width]) <= high and len(number) in lengths:
                return brand
    return "unknown"


def check_number(raw: str) -> str:
    """The normalized number, or `incorrect_number` (the PAN is never echoed)."""
    number = normalize_number(raw)
    if not _DIGITS.match(number) or not luhn_valid(number):
        raise IncorrectNumber()
    return number


def check_expiry(exp_month: int, exp_year: int, *, now_year: int, now_month: int) -> tuple[int, int]:
    """Two-digit years mean 20xx, as Stripe reads them."""
    if not 1 <= exp_month <= 12:
        raise InvalidExpiryMonth()
    year = exp_year + 2000 if 0 <= exp_year < 100 else exp_year
    if year < now_year or (year == now_year and exp_month < now_month) or year > now_year + 50:
        raise InvalidExpiryYear()
    return exp_month, year


def check_cvc(cvc: str, brand: str) -> None:
    expected = (4,) if brand == "amex" else (3,)
    if not cvc.isdigit() or len(cvc) not in expected:
        raise InvalidCvc()


def facts(number: str, exp_month: int, exp_year: int) -> CardFacts:
    """What may be stored beside the ciphertext and shown in responses."""
    info = bins.lookup(number)
    return CardFacts(
        brand=brand_of(number),
        last4=number[-4:],
        bin=number[:6],
        funding=info.funding if info else "unknown",
        country=info.country if info else None,
        exp_month=exp_month,
        exp_year=exp_year,
    )
