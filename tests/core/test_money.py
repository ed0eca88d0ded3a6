"""Currencies, exponents, minimums and exact integer arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lynk.core.errors import InvalidRequestError
from lynk.core.money import CURRENCIES, allocate, basis_points, currency


def test_exponents() -> None:
    assert currency("JPY").exponent == 0
    assert currency("usd").exponent == 2
    assert currency("kwd").exponent == 3
    assert len(CURRENCIES) >= 30


def test_stripe_minimums() -> None:
    assert currency("usd").minimum_charge == 50
    assert currency("gbp").minimum_charge == 30
    assert currency("jpy").minimum_charge == 50


def test_format_is_exact() -> None:
    assert currency("usd").format(1234) == "12.34"
    assert currency("jpy").format(1234) == "1234"
    assert currency("kwd").format(-1005) == "-1.005"


def test_unknown_currency_names_param() -> None:
    with pytest.raises(InvalidRequestError) as error:
        currency("xyz")
    assert error.value.param == "currency"


def test_fee_rounding() -> None:
    assert basis_points(1000, 290) == 29
    assert basis_points(50, 290) == 1  # 1.45 rounds to 1
    assert basis_points(150, 290) == 4  # 4.35 rounds to 4


@given(st.integers(min_value=0, max_value=10**15), st.lists(st.integers(min_value=0, max_value=1000), min_size=1))
def test_allocate_never_loses_or_invents_a_unit(amount: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        return
    parts = allocate(amount, weights)
    assert sum(parts) == amount
    assert all(part >= 0 for part in parts)


def test_random_tokens_are_base62_and_distinct() -> None:
    from lynk.core.ids import new_id, random_token

    tokens = {random_token(32) for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) == 32 and t.isalnum() and t.isascii() for t in tokens)
    assert new_id("cus", 14).startswith("cus_")


def test_amounts_for_people_follow_the_locale_and_the_exponent() -> None:
    """Issue 12 item 12: "$999,999.99", not "999999.99 USD"; exact (Decimal from the integer), any exponent."""
    from lynk.core.money import CURRENCIES, page_locale

    assert CURRENCIES["usd"].display(99_999_999) == "$999,999.99"
    assert CURRENCIES["usd"].display(99_999_999, "en-US") == "$999,999.99"
    assert CURRENCIES["eur"].display(123_456, "de-DE") == "1.234,56\xa0€"
    assert CURRENCIES["jpy"].display(1_234, "en") == "¥1,234"  # no minor unit
    assert CURRENCIES["kwd"].display(1_234, "en") == "KWD1.234"  # three decimals, none lost
    assert CURRENCIES["usd"].display(10**15 + 1) == "$10,000,000,000,000.01"  # beyond a float's precision
    assert CURRENCIES["usd"].display(5, "not-a-locale") == "$0.05"
    assert page_locale("fr", "en-US,en;q=0.9") == "fr"
    assert page_locale("auto", "en-GB,en;q=0.9") == "en-GB"
    assert page_locale(None, None) is None
