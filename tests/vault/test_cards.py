"""Card checks and facts: Luhn, brands, BIN facts, expiry, CVC; errors never echo the number."""

from __future__ import annotations

import pytest

from lynk.core.errors import CardError
from lynk.vault import cards

TEST_CARDS = [
    ("4242424242424242", "visa", "credit"),
    ("4000056655665556", "visa", "debit"),
    ("5555555555554444", "mastercard", "credit"),
    ("2223003122003222", "mastercard", "credit"),
    ("5200828282828210", "mastercard", "debit"),
    ("5105105105105100", "mastercard", "prepaid"),
    ("378282246310005", "amex", "credit"),
    ("6011111111111117", "discover", "credit"),
    ("3056930009020004", "diners", "credit"),
    ("3566002020360505", "jcb", "credit"),
    ("6200000000000005", "unionpay", "credit"),
]


@pytest.mark.parametrize(("number", "brand", "funding"), TEST_CARDS)
def test_brand_and_funding_of_stripe_test_cards(number: str, brand: str, funding: str) -> None:
    facts = cards.facts(cards.check_number(number), 12, 2030)
    assert (facts.brand, facts.funding, facts.last4) == (brand, funding, number[-4:])


def test_spaces_and_dashes_are_ignored() -> None:
    assert cards.check_number("4242 4242-4242 4242") == "4242424242424242"


@pytest.mark.parametrize("number", ["4242424242424241", "1234", "42424242424242424242", "4242abcd42424242", ""])
def test_incorrect_numbers(number: str) -> None:
    with pytest.raises(CardError) as error:
        cards.check_number(number)
    assert error.value.code == "incorrect_number"
    assert error.value.http_status == 402
    assert number not in error.value.message or not number


def test_expiry_rules() -> None:
    assert cards.check_expiry(12, 30, now_year=2026, now_month=11) == (12, 2030)
    assert cards.check_expiry(11, 2026, now_year=2026, now_month=11) == (11, 2026)  # valid through the month
    with pytest.raises(CardError) as month:
        cards.check_expiry(13, 2030, now_year=2026, now_month=11)
    assert month.value.code == "invalid_expiry_month"
    with pytest.raises(CardError) as year:
        cards.check_expiry(10, 2026, now_year=2026, now_month=11)
    assert year.value.code == "invalid_expiry_year"


def test_cvc_length_follows_brand() -> None:
    cards.check_cvc("123", "visa")
    cards.check_cvc("1234", "amex")
    for cvc, brand in (("12", "visa"), ("1234", "visa"), ("123", "amex"), ("12a", "visa")):
        with pytest.raises(CardError) as error:
            cards.check_cvc(cvc, brand)
        assert error.value.code == "invalid_cvc"
