"""A refund the processor could not pay out is reversed: `refund_failure` gives the amount back to the
balance it was taken from, once, and the books stay whole."""

from __future__ import annotations

import pytest

from lynk.core.clock import unix
from lynk.core.scope import Scope
from lynk.ledger import service
from lynk.models import BalanceTransaction
from tests.ledger.support import DAY, book_charge, book_refund, funds, new_scope, now_of
from tests.servers import LynkServer


def _fail(server: LynkServer, scope: Scope, refund: BalanceTransaction, now: int) -> BalanceTransaction:
    assert refund.source is not None
    refund_id = refund.source
    result: BalanceTransaction = server.write(
        lambda s: service.post_refund_failure(s, scope, refund_id=refund_id, now=now)
    )
    return result


def test_a_failed_refund_gives_available_funds_back_once(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    charge = book_charge(server.write, scope, 5_000, now=now, immediate=True)  # net 4_825
    refund = book_refund(server.write, scope, charge, 1_000, now=now)
    assert funds(server.write, scope) == (3_825, 0)

    back = _fail(server, scope, refund, now + 60)
    assert (back.type, back.status, back.amount, back.fee, back.net) == ("refund_failure", "available", 1_000, 0, 1_000)
    assert (back.source, back.reporting_category, back.available_on) == (refund.source, "refund_failure", now + 60)
    assert funds(server.write, scope) == (4_825, 0)
    assert _fail(server, scope, refund, now + 120).id == back.id  # told again: the same transaction
    assert funds(server.write, scope) == (4_825, 0)
    assert server.write(service.verify) == []


def test_a_refund_netted_against_pending_funds_comes_back_to_them(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    first = book_charge(server.write, scope, 5_000, now=now, available_in=DAY)  # net 4_825
    book_charge(server.write, scope, 3_000, now=now, available_in=3 * DAY)  # net 2_883
    refund = book_refund(server.write, scope, first, 5_000, now=now)
    assert (refund.status, refund.available_on) == ("pending", now + 3 * DAY)

    back = _fail(server, scope, refund, now)
    assert (back.status, back.available_on, back.net) == ("pending", now + 3 * DAY, 5_000)
    assert funds(server.write, scope) == (0, 4_825 + 2_883)

    server.clock.advance(3 * DAY)
    server.write(lambda s: service.settle_due(s, now=unix(server.clock)))
    assert funds(server.write, scope) == (4_825 + 2_883, 0)
    assert server.write(lambda s: service.get_balance_transaction(s, scope, back.id)).status == "available"
    assert server.write(service.verify) == []


def test_a_refund_never_booked_cannot_fail_in_the_books(server: LynkServer) -> None:
    scope, now = new_scope(), now_of(server)
    with pytest.raises(service.LedgerError):
        server.write(lambda s: service.post_refund_failure(s, scope, refund_id="re_unknown", now=now))
    other = new_scope()
    refund = book_refund(server.write, other, book_charge(server.write, other, 1_000, now=now), 500, now=now)
    with pytest.raises(service.LedgerError):  # another merchant's refund
        _fail(server, scope, refund, now)
