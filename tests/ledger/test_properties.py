"""Any sequence of charges, refunds and settlements keeps the books healthy and the balance exact."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lynk.ledger import service
from lynk.models import BalanceTransaction
from tests.ledger.support import DAY, Books, book_charge, book_refund, funds, new_scope, private_books
from tests.servers import backends

START = 1_900_000_000
CURRENCIES = ["usd", "jpy", "kwd"]


@pytest.fixture(scope="module", params=backends())
def books(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    with private_books(request.param, tmp_path_factory.mktemp("ledger-properties")) as books:
        yield books


charges = st.tuples(
    st.just("charge"),
    st.integers(min_value=1, max_value=10**9),
    st.sampled_from(CURRENCIES),
    st.booleans(),  # immediately available
    st.integers(min_value=0, max_value=4 * DAY),  # until available
)
refunds = st.tuples(st.just("refund"), st.integers(min_value=0, max_value=50), st.floats(min_value=0.01, max_value=1.0))
settlements = st.tuples(st.just("settle"), st.integers(min_value=0, max_value=3 * DAY))
steps = st.lists(st.one_of(charges, refunds, settlements), min_size=1, max_size=14)


@dataclass
class Modelled:
    """What the test expects of one balance transaction."""

    net: int
    currency: str
    status: str
    available_on: int


def _model_refund(model: list[Modelled], currency: str, amount: int, now: int) -> Modelled:
    """The documented rule: available funds first; else pending ones (netting); else available goes negative."""
    mine = [m for m in model if m.currency == currency]
    available = sum(m.net for m in mine if m.status == "available")
    pending = sum(m.net for m in mine if m.status == "pending")
    if available < amount <= pending:
        latest = max((m.available_on for m in mine if m.status == "pending" and m.net > 0), default=now)
        return Modelled(-amount, currency, "pending", max(now, latest))
    return Modelled(-amount, currency, "available", now)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_random_books_stay_healthy(books: Books, steps: list[tuple[object, ...]]) -> None:
    scope, now = new_scope(), START
    booked: list[tuple[BalanceTransaction, int]] = []  # charges and what is left to refund
    model: list[Modelled] = []
    for step in steps:
        if step[0] == "charge":
            _, amount, currency, immediate, delay = step
            assert isinstance(amount, int) and isinstance(currency, str) and isinstance(delay, int)
            txn = book_charge(
                books.write, scope, amount, now=now, currency=currency, immediate=bool(immediate), available_in=delay
            )
            booked.append((txn, amount))
            model.append(Modelled(txn.net, currency, "available" if immediate else "pending", txn.available_on))
        elif step[0] == "refund" and booked:
            _, index, share = step
            assert isinstance(index, int) and isinstance(share, float)
            charge, left = booked[index % len(booked)]
            amount = min(left, max(1, int(left * share)))
            if amount == 0:
                continue
            expected = _model_refund(model, charge.currency, amount, now)
            refund = book_refund(books.write, scope, charge, amount, now=now)
            assert (refund.status, refund.available_on, refund.net) == (expected.status, expected.available_on, -amount)
            booked[index % len(booked)] = (charge, left - amount)
            model.append(expected)
        elif step[0] == "settle":
            _, elapsed = step
            assert isinstance(elapsed, int)
            now += elapsed
            books.write(lambda s: service.settle_due(s, now=now))
            for m in model:
                if m.status == "pending" and m.available_on <= now:
                    m.status = "available"

    assert books.verify() == []
    for currency in CURRENCIES:
        mine = [m for m in model if m.currency == currency]
        available = sum(m.net for m in mine if m.status == "available")
        pending = sum(m.net for m in mine if m.status == "pending")
        assert funds(books.write, scope, currency) == (available, pending)
