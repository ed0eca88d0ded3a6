"""The BIN table (issue 16 item 1): Stripe's documented test cards carry their countries and funding into
the card's facts and the payment's signals (`:card_country:`, `:card_funding:`)."""

from __future__ import annotations

import pytest
import stripe

from lynk.vault import bins
from lynk.vault.cards import facts
from tests.radar.support import declined_charge, pay
from tests.radar.test_rules_api import rule as create_rule

# Stripe's testing page: cards by brand and by country.
DOCUMENTED = [
    ("4242424242424242", "visa", "credit", "US"),
    ("4000056655665556", "visa", "debit", "US"),
    ("5555555555554444", "mastercard", "credit", "US"),
    ("5200828282828210", "mastercard", "debit", "US"),
    ("5105105105105100", "mastercard", "prepaid", "US"),
    ("6011981111111113", "discover", "debit", "US"),
    ("6200000000000047", "unionpay", "debit", "CN"),
    ("4000000760000002", "visa", "credit", "BR"),
    ("4000004840008001", "visa", "credit", "MX"),
    ("4000002500000003", "visa", "credit", "FR"),
    ("4000002760000016", "visa", "credit", "DE"),
    ("4000008260000000", "visa", "credit", "GB"),
    ("4000058260000005", "visa", "debit", "GB"),
    ("5555558265554449", "mastercard", "credit", "GB"),
    ("4000057640000008", "visa", "debit", "TH"),
    ("3530111333300000", "jcb", "credit", "JP"),
]


@pytest.mark.parametrize(("number", "brand", "funding", "country"), DOCUMENTED)
def test_stripe_s_test_cards_have_their_documented_facts(number: str, brand: str, funding: str, country: str) -> None:
    found = facts(number, 12, 2034)
    assert (found.brand, found.funding, found.country) == (brand, funding, country)
    info = bins.lookup(number)
    assert info is not None and info.brand == brand and info.issuer


def test_an_unknown_bin_has_no_country_and_unknown_funding() -> None:
    unknown = facts("5890040000000016", 12, 2034)  # …and one nobody does
    assert (unknown.funding, unknown.country) == ("unknown", None)


def test_rules_read_the_card_country_and_funding_from_the_table(client: stripe.StripeClient) -> None:
    create_rule(client, "block", ":card_country: = 'BR'")
    create_rule(client, "review", ":card_funding: = 'debit'")
    blocked = declined_charge(client, "4000000760000002")
    assert blocked.outcome.type == "blocked" and blocked.outcome.reason == "rule"
    assert blocked.payment_method_details.card.country == "BR"  # type: ignore[union-attr]
    reviewed = pay(client, "5200828282828210")
    charge = client.v1.charges.retrieve(reviewed.latest_charge)  # type: ignore[arg-type]
    assert charge.outcome.type == "manual_review"
    assert pay(client, "4000002500000003").status == "succeeded"  # FR credit: neither rule
