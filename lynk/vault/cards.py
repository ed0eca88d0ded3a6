"""Card facts that are safe to show: Luhn check, brand, expiry, and BIN facts.

The BIN table is small and ships with the code: Stripe's test cards plus the brand
ranges. Unknown BINs get `funding: "unknown"` and no country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lynk.vault.errors import IncorrectNumber, InvalidCvc, InvalidExpiryMonth, InvalidExpiryYear
from lynk.vault.sandbox_cards import COUNTRY_CARDS

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

# BIN (first 6 digits) → (funding, country). Stripe's test cards, and a few common ranges.
_BINS: dict[str, tuple[str, str | None]] = {
    "424242": ("credit", "US"),
    "400005": ("debit", "US"),
    "555555": ("credit", "US"),
    "222300": ("credit", "US"),
    "520082": ("debit", "US"),
    "510510": ("prepaid", "US"),
    "378282": ("credit", "US"),
    "601111": ("credit", "US"),
    "305693": ("credit", "US"),
    "356600": ("credit", "US"),
    "620000": ("credit", "CN"),
    "400000": ("credit", "US"),
    "410000": ("credit", "US"),
}

# Stripe's test cards of each country (`pm_card_gb`: 4000008260000000): digits 5 to 7 are its ISO number.
_TEST_COUNTRIES: dict[str, str] = {number: code.upper() for code, number in COUNTRY_CARDS.items()}

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
    funding, country = _BINS.get(number[:6], ("unknown", None))
    country = _TEST_COUNTRIES.get(number, country)
    return CardFacts(
        brand=brand_of(number),
        last4=number[-4:],
        bin=number[:6],
        funding=funding,
        country=country,
        exp_month=exp_month,
        exp_year=exp_year,
    )
