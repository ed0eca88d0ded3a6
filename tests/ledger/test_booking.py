"""Charges, refunds and settlement give the right balances and balance transactions."""

from __future__ import annotations

import pytest

from lynk.core.clock import unix
from lynk.ledger import service
from lynk.ledger.fees import Pricing, fee_for
from tests.ledger.support import DAY, book_charge, book_refund, funds, new_scope, now_of
from tests.servers import LynkServer


def test_a_charge_is_pending_net_of_fees(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    txn = book_charge(server.write, scope, 10_000, now=now)

    assert txn.id.startswith("txn_")
    assert (txn.type, txn.status, txn.amount, txn.fee, txn.net) == ("charge", "pending", 10_000, 320, 9_680)
    assert txn.available_on == now + 2 * DAY
    assert txn.fee_details == [
        {
            "amount": 320,
            "application": None,
            "currency": "usd",
            "description": "Lynk processing fees",
            "type": "stripe_fee",
        }
    ]
    assert funds(server.write, scope) == (0, 9_680)


def test_an_immediately_available_charge(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    txn = book_charge(server.write, scope, 2_000, now=now, immediate=True, currency="eur")
    assert (txn.status, txn.available_on, txn.net) == ("available", now, 2_000 - 88)
    assert funds(server.write, scope, "eur") == (1_912, 0)
    assert funds(server.write, scope, "usd") == (0, 0)


def test_a_refund_comes_from_available_funds_first(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    charge = book_charge(server.write, scope, 5_000, now=now, immediate=True)  # net 4_825
    refund = book_refund(server.write, scope, charge, 1_000, now=now)

    assert (refund.type, refund.amount, refund.fee, refund.net) == ("refund", -1_000, 0, -1_000)
    assert (refund.status, refund.available_on, refund.fee_details) == ("available", now, [])
    assert funds(server.write, scope) == (3_825, 0)  # fees are not returned


def test_a_refund_nets_against_pending_funds_when_available_is_short(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    first = book_charge(server.write, scope, 5_000, now=now, available_in=DAY)  # net 4_825
    book_charge(server.write, scope, 3_000, now=now, available_in=3 * DAY)  # net 2_883
    refund = book_refund(server.write, scope, first, 5_000, now=now)

    assert (refund.status, refund.available_on) == ("pending", now + 3 * DAY)
    assert funds(server.write, scope) == (0, 4_825 + 2_883 - 5_000)


def test_a_refund_beyond_all_funds_makes_available_negative(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    charge = book_charge(server.write, scope, 1_000, now=now)  # net 941, pending
    refund = book_refund(server.write, scope, charge, 1_000, now=now)
    assert refund.status == "available"
    assert funds(server.write, scope) == (-1_000, 941)


def test_booking_is_idempotent_per_source(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    charge = book_charge(server.write, scope, 1_000, now=now)
    assert charge.source is not None
    charge_id = charge.source
    again = server.write(
        lambda s: service.post_charge(
            s, scope, charge_id=charge_id, amount=1_000, currency="usd", fee=59, available_on=now, now=now
        )
    )
    assert again.id == charge.id
    with pytest.raises(service.LedgerError):
        server.write(
            lambda s: service.post_charge(
                s, scope, charge_id=charge_id, amount=999, currency="usd", fee=59, available_on=now, now=now
            )
        )
    assert funds(server.write, scope) == (0, 941)


@pytest.mark.parametrize(
    ("amount", "fee", "reason"),
    [(0, 0, "amount"), (100, 101, "fee above amount"), (100, -1, "negative fee")],
)
def test_invalid_charges_are_refused(server: LynkServer, amount: int, fee: int, reason: str) -> None:
    scope, now = new_scope(), now_of(server)
    with pytest.raises(service.LedgerError):
        book_charge(server.write, scope, amount, now=now, fee=fee)


def test_refund_of_an_unknown_charge_is_refused(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    with pytest.raises(service.LedgerError):
        server.write(
            lambda s: service.post_refund(
                s, scope, refund_id="re_x", charge_id="ch_unknown", amount=100, currency="usd", now=now
            )
        )


def test_settle_due_makes_pending_funds_available_on_time(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    early = book_charge(server.write, scope, 10_000, now=now, available_in=DAY)  # net 9_680
    late = book_charge(server.write, scope, 1_000, now=now, available_in=2 * DAY)  # net 941
    refund = book_refund(server.write, scope, early, 2_000, now=now)  # pending, with the late funds

    assert server.write(lambda s: service.settle_due(s, now=unix(server.clock))) >= 0
    assert funds(server.write, scope) == (0, 9_680 + 941 - 2_000)

    server.clock.advance(DAY)
    assert server.write(lambda s: service.settle_due(s, now=unix(server.clock))) >= 1
    assert funds(server.write, scope) == (9_680, 941 - 2_000)

    server.clock.advance(DAY)
    server.write(lambda s: service.settle_due(s, now=unix(server.clock)))
    assert funds(server.write, scope) == (9_680 + 941 - 2_000, 0)
    for txn in (early, late, refund):
        assert server.write(lambda s, t=txn: service.get_balance_transaction(s, scope, t.id)).status == "available"
    server.write(lambda s: service.settle_due(s, now=unix(server.clock)))  # settling again moves nothing more
    assert funds(server.write, scope) == (9_680 + 941 - 2_000, 0)
    assert server.write(service.verify) == []


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        (1_000, 29 + 30),  # 29.0
        (500, 14 + 30),  # 14.5 → 14 (even)
        (1_500, 44 + 30),  # 43.5 → 44 (even)
        (2_500, 72 + 30),  # 72.5 → 72
        (3_500, 102 + 30),  # 101.5 → 102
        (50, 1 + 30),  # 1.45 → 1
        (150, 4 + 30),  # 4.35 → 4
        (10, 10),  # never more than the amount
        (0, 0),
    ],
)
def test_fees_round_half_even(amount: int, fee: int) -> None:
    assert fee_for(amount, "usd") == fee


def test_fees_with_other_pricing_and_currencies() -> None:
    assert fee_for(10_000, "jpy", Pricing(percent_bps=360, fixed=0)) == 360
    assert fee_for(125, "usd", Pricing(percent_bps=200, fixed=0)) == 2  # 2.5 → 2
    assert fee_for(175, "usd", Pricing(percent_bps=200, fixed=0)) == 4  # 3.5 → 4
    assert fee_for(10**15 + 5_000, "usd", Pricing(percent_bps=1, fixed=0)) == 10**11  # 100000000000.5 → even
    with pytest.raises(Exception, match="Invalid currency"):
        fee_for(100, "xyz")
