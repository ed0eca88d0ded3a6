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


@dataclass(frozen=True)
class Charge:
    amount: int
    currency: str
    immediate: bool
    delay: int  # seconds until available


@dataclass(frozen=True)
class Refund:
    pick: int  # which charge
    share: float  # of what is left to refund


@dataclass(frozen=True)
class Settle:
    elapsed: int


Step = Charge | Refund | Settle

steps = st.lists(
    st.one_of(
        st.builds(
            Charge,
            amount=st.integers(min_value=1, max_value=10**9),
            currency=st.sampled_from(CURRENCIES),
            immediate=st.booleans(),
            delay=st.integers(min_value=0, max_value=4 * DAY),
        ),
        st.builds(Refund, pick=st.integers(min_value=0, max_value=50), share=st.floats(min_value=0.01, max_value=1.0)),
        st.builds(Settle, elapsed=st.integers(min_value=0, max_value=3 * DAY)),
    ),
    min_size=1,
    max_size=14,
)


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
def test_random_books_stay_healthy(books: Books, steps: list[Step]) -> None:
    scope, now = new_scope(), START
    booked: list[tuple[BalanceTransaction, int]] = []  # charges, with what is left to refund
    model: list[Modelled] = []
    for step in steps:
        if isinstance(step, Charge):
            txn = book_charge(
                books.write,
                scope,
                step.amount,
                now=now,
                currency=step.currency,
                immediate=step.immediate,
                available_in=step.delay,
            )
            booked.append((txn, step.amount))
            model.append(
                Modelled(txn.net, step.currency, "available" if step.immediate else "pending", txn.available_on)
            )
        elif isinstance(step, Refund) and booked:
            charge, left = booked[step.pick % len(booked)]
            amount = min(left, max(1, int(left * step.share)))
            if amount == 0:
                continue
            expected = _model_refund(model, charge.currency, amount, now)
            refund = book_refund(books.write, scope, charge, amount, now=now)
            assert (refund.status, refund.available_on, refund.net) == (expected.status, expected.available_on, -amount)
            booked[step.pick % len(booked)] = (charge, left - amount)
            model.append(expected)
        elif isinstance(step, Settle):
            now += step.elapsed
            books.write(lambda s, at=now: service.settle_due(s, now=at))
            for m in model:
                if m.status == "pending" and m.available_on <= now:
                    m.status = "available"

    assert books.verify() == []
    for currency in CURRENCIES:
        mine = [m for m in model if m.currency == currency]
        available = sum(m.net for m in mine if m.status == "available")
        pending = sum(m.net for m in mine if m.status == "pending")
        assert funds(books.write, scope, currency) == (available, pending)
