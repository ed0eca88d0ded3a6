"""Money: integer amounts in a currency's minor unit, never floats.

`CURRENCIES` is the one table of exponents (ISO 4217) and Stripe's minimum charge
amounts, in minor units. Currencies Stripe lists no minimum for get the local
equivalent of about USD 0.50.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency

from lynk.core.errors import InvalidRequestError

DEFAULT_LOCALE = "en_US"


@dataclass(frozen=True)
class Currency:
    code: str
    exponent: int
    minimum_charge: int

    def format(self, amount: int) -> str:
        """`1234` USD → `12.34`; exact, with no float in between."""
        sign = "-" if amount < 0 else ""
        whole, frac = divmod(abs(amount), 10**self.exponent)
        if not self.exponent:
            return f"{sign}{whole}"
        return f"{sign}{whole}.{frac:0{self.exponent}d}"

    def display(self, amount: int, locale: str | None = None) -> str:
        """`99999999` USD → `$999,999.99` for people, by the locale's rules (CLDR, through Babel).

        The amount becomes a Decimal from the integer and the exponent (no float); Babel never rounds
        it (`decimal_quantization=False`), so a currency whose exponent differs from CLDR's loses no digit.
        """
        value = Decimal(amount).scaleb(-self.exponent)
        return format_currency(value, self.code.upper(), locale=_locale(locale), decimal_quantization=False)

    def parse(self, text: str) -> int | None:
        """`12.5` USD → `1250`, as people type amounts; None for anything else (no float in between)."""
        whole, _dot, frac = text.strip().replace(",", "").partition(".")
        if not (whole or frac) or (whole and not whole.isdigit()) or (frac and not frac.isdigit()):
            return None
        if len(frac) > self.exponent or len(whole) > 15:
            return None
        scale: int = 10**self.exponent
        return int(whole or "0") * scale + int(frac.ljust(self.exponent, "0") or "0")


def _locale(given: str | None) -> Locale:
    """A page's locale ("fr", "en-GB", Checkout's "auto" or nothing) as Babel's, the US English default else."""
    if given and given != "auto":
        try:
            return Locale.parse(given.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            pass
    return Locale.parse(DEFAULT_LOCALE)


def page_locale(chosen: str | None, accept_language: str | None) -> str | None:
    """The locale a shopper's page formats amounts in: the one chosen (Checkout's `locale`), else, for
    "auto" or none, the browser's first language (`Accept-Language`), else None (the default)."""
    if chosen and chosen != "auto":
        return chosen
    first = (accept_language or "").split(",")[0].split(";")[0].strip()
    return first if first and first != "*" else None


def _table(rows: list[tuple[str, int, int]]) -> dict[str, Currency]:
    return {code: Currency(code, exponent, minimum) for code, exponent, minimum in rows}


CURRENCIES: dict[str, Currency] = _table(
    [
        # code, exponent, minimum charge (minor units)
        ("usd", 2, 50),
        ("eur", 2, 50),
        ("gbp", 2, 30),
        ("jpy", 0, 50),
        ("cad", 2, 50),
        ("aud", 2, 50),
        ("chf", 2, 50),
        ("cny", 2, 400),
        ("hkd", 2, 400),
        ("sgd", 2, 50),
        ("nzd", 2, 50),
        ("sek", 2, 300),
        ("nok", 2, 300),
        ("dkk", 2, 250),
        ("pln", 2, 200),
        ("czk", 2, 1500),
        ("huf", 2, 17500),
        ("ron", 2, 200),
        ("bgn", 2, 100),
        ("inr", 2, 50),
        ("brl", 2, 50),
        ("mxn", 2, 1000),
        ("aed", 2, 200),
        ("sar", 2, 200),
        ("thb", 2, 1000),
        ("myr", 2, 200),
        ("idr", 2, 800000),
        ("php", 2, 3000),
        ("krw", 0, 700),
        ("twd", 2, 1500),
        ("zar", 2, 1000),
        ("try", 2, 1500),
        ("ils", 2, 200),
        ("clp", 0, 500),
        ("cop", 2, 200000),
        ("vnd", 0, 13000),
        ("isk", 0, 70),
        ("kwd", 3, 160),
        ("bhd", 3, 190),
        ("omr", 3, 190),
        ("jod", 3, 360),
        ("tnd", 3, 1500),
        ("egp", 2, 2500),
        ("ngn", 2, 80000),
        ("kes", 2, 7000),
        ("pkr", 2, 14000),
        ("xof", 0, 300),
        ("xaf", 0, 300),
        ("ugx", 0, 1900),
        ("pyg", 0, 4000),
    ]
)


def currency(code: str, *, param: str = "currency") -> Currency:
    """The currency for a lowercase or uppercase ISO code, or a Stripe-shaped 400."""
    found = CURRENCIES.get(code.lower())
    if found is None:
        raise InvalidRequestError(
            f"Invalid currency: {code.lower()}. Lynk supports: {', '.join(sorted(CURRENCIES))}.",
            param=param,
            code="parameter_invalid",
        )
    return found


def allocate(amount: int, weights: list[int]) -> list[int]:
    """Split `amount` by integer `weights` so the parts sum exactly to `amount`.

    Remainders go to the largest fractional shares first (ties to the earliest).
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    total = sum(weights)
    parts = [amount * w // total for w in weights]
    remainders = [amount * w % total for w in weights]
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[: amount - sum(parts)]:
        parts[index] += 1
    return parts


def basis_points(amount: int, bps: int) -> int:
    """`amount * bps / 10000`, rounded half up, in integers (2.9% is 290 bps)."""
    return (amount * bps + 5000) // 10000


def divide_half_even(numerator: int, denominator: int) -> int:
    """`numerator / denominator` rounded to the nearest integer, ties to even (banker's rounding).

    Integers only, so exact at any size; `denominator` must be positive.
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(numerator, denominator)  # remainder in [0, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient
