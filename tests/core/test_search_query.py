"""Stripe's search query language: what parses, and errors that name the clause."""

from __future__ import annotations

import pytest

from lynk.core.errors import ParameterInvalid
from lynk.core.search import Clause, after_id, page_token, parse


def test_clauses_values_and_connectors() -> None:
    query = parse("email:'a@b.com' AND metadata['order']:\"6735\" amount>=1000 -status:'canceled'")
    assert query.any_of is False
    assert query.clauses == (
        Clause("email", ":", "a@b.com"),
        Clause("metadata", ":", "6735", metadata_key="order"),
        Clause("amount", ">=", 1000),
        Clause("status", ":", "canceled", negated=True),
    )
    either = parse("name~'jen' or phone:null")
    assert either.any_of is True
    assert either.clauses == (Clause("name", "~", "jen"), Clause("phone", ":", None))
    assert parse(r"name:'O\'Brien'").clauses[0].value == "O'Brien"
    assert parse("payment_method_details.card.last4:'4242'").clauses[0].field == "payment_method_details.card.last4"
    # A field whose name starts like a keyword is still a field.
    assert parse("order_id:'1' ANDROID:'2'").clauses[1].field == "ANDROID"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("email:'a@b.com' AND name:'x' OR phone:'1'", "either AND or OR"),
        ("email:", "unexpected input at position"),
        ("email 'a@b.com'", "unexpected input"),
        ("email:'unterminated", "unexpected input"),
        (" AND ".join(f"name:'{i}'" for i in range(11)), "at most 10 clauses"),
    ],
)
def test_bad_queries_say_where(query: str, words: str) -> None:
    with pytest.raises(ParameterInvalid) as error:
        parse(query)
    assert error.value.param == "query"
    assert words in error.value.message


def test_page_tokens_round_trip() -> None:
    assert after_id(page_token("cus_123")) == "cus_123"
    assert after_id(None) is None
    with pytest.raises(ParameterInvalid) as error:
        after_id("!!!")
    assert error.value.param == "page"
