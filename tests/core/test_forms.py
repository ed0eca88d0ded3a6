"""Decoding Stripe-style form bodies."""

from __future__ import annotations

import pytest

from lynk.core.errors import InvalidRequestError
from lynk.wire.forms import MAX_DEPTH, decode_form


def test_nested_brackets() -> None:
    decoded = decode_form("metadata[order]=6735&payment_method_data[card][number]=4242424242424242")
    assert decoded == {"metadata": {"order": "6735"}, "payment_method_data": {"card": {"number": "4242424242424242"}}}


def test_three_array_forms() -> None:
    assert decode_form("expand[]=a&expand[]=b") == {"expand": ["a", "b"]}
    assert decode_form("expand[0]=a&expand[1]=b") == {"expand": {"0": "a", "1": "b"}}  # listified by FormList
    assert decode_form("expand=a&expand=b") == {"expand": ["a", "b"]}


def test_plus_and_percent_decoding() -> None:
    assert decode_form("name=Jenny+Rosen&email=j%40example.com") == {"name": "Jenny Rosen", "email": "j@example.com"}


def test_blank_values_are_kept() -> None:
    assert decode_form("metadata=&description=") == {"metadata": "", "description": ""}


@pytest.mark.parametrize(
    "body",
    [
        "a[b=1",
        "a]=1",
        "[a]=1",
        "a=1&a[b]=2",
        "a[b]=2&a=1",
        "a[][b]=1",
        "name=%ff",
        "name=%00",
        "x" + "[y]" * MAX_DEPTH + "=1",
    ],
)
def test_malformed_bodies_are_clear_errors(body: str) -> None:
    with pytest.raises(InvalidRequestError) as error:
        decode_form(body)
    assert error.value.http_status == 400
    assert error.value.message


def test_raw_non_utf8_bytes() -> None:
    with pytest.raises(InvalidRequestError, match="UTF-8"):
        decode_form(b"name=\xff\xfe")
