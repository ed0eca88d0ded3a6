"""Book money movements and read balances. Every function takes the caller's session and never commits.

- `post_charge`: a captured card charge. Debit `processor_clearing` the amount; credit the
  merchant's `pending` (or `available`) the net and `fee_revenue` the fee.
- `post_refund`: debit the merchant's funds, credit `refunds` (what we owe the cardholder,
  sent through the processor). Fees are not returned, as at Stripe. The money comes from
  `available` when it holds enough; else from `pending` when that does (the refund is then a
  pending balance transaction that becomes available when the last pending funds do, netting
  against them); else from `available`, which goes negative, as a Stripe balance can.
- `post_refund_failure`: a refund the processor could not pay out gives the money back: the refund's
  postings reversed, into the account it was taken from (`refund_failure`, positive).
- `settle_due`: moves due pending balance transactions to available, one entry each.
- `post_dispute`: a chargeback takes the disputed amount back (credit `disputes`) and charges the
  dispute fee (credit `fee_revenue`), both from the merchant's `available` funds, which may go negative.
- `post_dispute_reversal`: a won dispute gives back the amount (debit `disputes`) and the fee. Stripe
  books the returned fee as a negative fee; Lynk's balance transactions never carry one (a DB check),
  so the fee comes back in `amount` (fee 0), paid from the platform's `dispute_fee_refunds`.

Booking is idempotent per source: booking the same charge (or refund) again returns the first
balance transaction, or raises `LedgerError` if the amounts differ. The reads (balance, balance
transactions, daily totals) live in `balances.py` and are reached through this module.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.money import currency as lookup_currency
from lynk.core.scope import Scope
from lynk.ledger import repository
from lynk.ledger.balances import (
    Balance,
    DayTotals,
    Funds,
    balance,
    daily_totals,
    get_balance_transaction,
    list_balance_transactions,
)
from lynk.ledger.errors import LedgerError
from lynk.ledger.fees import DEFAULT_FEES, DEFAULT_PRICING, FeeSchedule, Pricing, ach_fee_for, fee_details, fee_for
from lynk.ledger.invariants import LedgerStats, stats, verify
from lynk.ledger.repository import Leg
from lynk.models.ledger import MERCHANT_KINDS, AccountKind, BalanceStatus, BalanceTransaction

__all__ = [
    "DEFAULT_FEES",
    "DEFAULT_PRICING",
    "Balance",
    "DayTotals",
    "FeeSchedule",
    "Funds",
    "LedgerError",
    "LedgerStats",
    "Pricing",
    "ach_fee_for",
    "balance",
    "daily_totals",
    "fee_for",
    "get_balance_transaction",
    "list_balance_transactions",
    "post_charge",
    "post_dispute",
    "post_dispute_reversal",
    "post_refund",
    "post_refund_failure",
    "settle_due",
    "stats",
    "verify",
]

_HOLDING = {BalanceStatus.PENDING: AccountKind.PENDING, BalanceStatus.AVAILABLE: AccountKind.AVAILABLE}


def _currency(code: str) -> str:
    if code != code.lower():
        raise LedgerError(f"currency must be lowercase: {code!r}")
    return lookup_currency(code).code


def _check_balanced(legs: Sequence[Leg]) -> None:
    if len(legs) < 2 or any((leg.debit > 0) == (leg.credit > 0) or min(leg.debit, leg.credit) < 0 for leg in legs):
        raise LedgerError(f"invalid postings: {legs}")
    if sum(leg.debit for leg in legs) != sum(leg.credit for leg in legs):
        raise LedgerError(f"unbalanced postings: {legs}")


async def _post(
    session: AsyncSession,
    scope: Scope,
    txn: BalanceTransaction,
    kind: str,
    legs: list[Leg],
    *,
    now: int,
    description: str | None = None,
) -> None:
    legs = [leg for leg in legs if leg.debit or leg.credit]
    _check_balanced(legs)  # the database checks again, and has the last word
    await repository.post_entry(
        session,
        scope,
        kind=kind,
        currency=txn.currency,
        legs=legs,
        balance_transaction_id=txn.id,
        description=description,
        now=now,
    )


async def _already_booked(
    session: AsyncSession, scope: Scope, key: str, amount: int, currency: str, fee: int
) -> BalanceTransaction | None:
    found = await repository.by_booking_key(session, key)
    if found is None:
        return None
    same = (found.merchant_id, found.livemode, found.amount, found.currency, found.fee)
    if same != (scope.merchant_id, scope.livemode, amount, currency, fee):
        raise LedgerError(f"{key} is already booked as {found.id} with different amounts")
    return found


async def post_charge(
    session: AsyncSession,
    scope: Scope,
    *,
    charge_id: str,
    amount: int,
    currency: str,
    fee: int,
    available_on: int,
    now: int,
    immediate_available: bool = False,
    description: str | None = None,
    txn_id: str | None = None,
) -> BalanceTransaction:
    """Book a captured card charge; its funds are pending until `available_on` (or available now).

    `txn_id`: the id the caller gave the charge's balance transaction before booking it (a charge made in the
    same transaction, never booked yet): no booking of the charge is looked for. Without it, a charge already
    booked returns its balance transaction."""
    currency = _currency(currency)
    if amount <= 0 or not 0 <= fee <= amount:
        raise LedgerError(f"a charge needs amount > 0 and 0 <= fee <= amount (amount {amount}, fee {fee})")
    key = f"charge:{charge_id}"
    if txn_id is None and (found := await _already_booked(session, scope, key, amount, currency, fee)) is not None:
        return found
    accounts = await repository.ensure_accounts(session, scope, currency, now=now)
    status = BalanceStatus.AVAILABLE if immediate_available else BalanceStatus.PENDING
    txn = BalanceTransaction(
        id=txn_id or new_id("txn"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        type="charge",
        status=status,
        amount=amount,
        fee=fee,
        net=amount - fee,
        currency=currency,
        fee_details=fee_details(fee, currency),
        available_on=now if immediate_available else available_on,
        source=charge_id,
        description=description,
        reporting_category="charge",
        booking_key=key,
    )
    await repository.add_balance_transaction(session, txn)
    legs = [
        Leg(accounts[AccountKind.PROCESSOR_CLEARING], debit=amount),
        Leg(accounts[_HOLDING[status]], credit=amount - fee),
        Leg(accounts[AccountKind.FEE_REVENUE], credit=fee),
    ]
    await _post(session, scope, txn, "charge", legs, now=now, description=f"charge {charge_id}")
    return txn


async def post_refund(
    session: AsyncSession,
    scope: Scope,
    *,
    refund_id: str,
    charge_id: str,
    amount: int,
    currency: str,
    now: int,
    description: str | None = None,
) -> BalanceTransaction:
    """Book a refund of `amount` (positive) of a booked charge; its balance transaction's amount is negative."""
    currency = _currency(currency)
    if amount <= 0:
        raise LedgerError(f"a refund needs amount > 0 (got {amount})")
    key = f"refund:{refund_id}"
    if (found := await _already_booked(session, scope, key, -amount, currency, 0)) is not None:
        return found
    charge = await repository.by_booking_key(session, f"charge:{charge_id}")
    if charge is None or (charge.merchant_id, charge.livemode, charge.currency) != (
        scope.merchant_id,
        scope.livemode,
        currency,
    ):
        raise LedgerError(f"no booked {currency} charge {charge_id} of this merchant to refund")
    accounts = await repository.ensure_accounts(session, scope, currency, now=now)
    await repository.lock_account(session, accounts[AccountKind.AVAILABLE])
    funds = await repository.account_balances(session, scope, MERCHANT_KINDS)
    status, available_on = BalanceStatus.AVAILABLE, now
    if funds.get((AccountKind.AVAILABLE, currency), 0) < amount <= funds.get((AccountKind.PENDING, currency), 0):
        status = BalanceStatus.PENDING
        available_on = max(now, await repository.latest_pending_available_on(session, scope, currency) or now)
    txn = BalanceTransaction(
        id=new_id("txn"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        type="refund",
        status=status,
        amount=-amount,
        fee=0,
        net=-amount,
        currency=currency,
        fee_details=[],
        available_on=available_on,
        source=refund_id,
        description=description,
        reporting_category="refund",
        booking_key=key,
    )
    await repository.add_balance_transaction(session, txn)
    legs = [Leg(accounts[_HOLDING[status]], debit=amount), Leg(accounts[AccountKind.REFUNDS], credit=amount)]
    await _post(session, scope, txn, "refund", legs, now=now, description=f"refund {refund_id} of charge {charge_id}")
    return txn


async def post_refund_failure(
    session: AsyncSession, scope: Scope, *, refund_id: str, now: int, description: str | None = None
) -> BalanceTransaction:
    """Reverse booked refund `refund_id`: its amount back to the merchant, where and when it was taken."""
    refund = await repository.by_booking_key(session, f"refund:{refund_id}")
    if refund is None or (refund.merchant_id, refund.livemode) != (scope.merchant_id, scope.livemode):
        raise LedgerError(f"no booked refund {refund_id} of this merchant to reverse")
    amount, key = -refund.amount, f"refund_failure:{refund_id}"
    if (found := await _already_booked(session, scope, key, amount, refund.currency, 0)) is not None:
        return found
    accounts = await repository.ensure_accounts(session, scope, refund.currency, now=now)
    txn = BalanceTransaction(
        id=new_id("txn"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        type="refund_failure",
        status=BalanceStatus(refund.status),  # netted against pending funds: back to them, due when they are
        amount=amount,
        fee=0,
        net=amount,
        currency=refund.currency,
        fee_details=[],
        available_on=max(now, refund.available_on) if refund.status == BalanceStatus.PENDING else now,
        source=refund_id,
        description=description,
        reporting_category="refund_failure",
        booking_key=key,
    )
    await repository.add_balance_transaction(session, txn)
    legs = [Leg(accounts[AccountKind.REFUNDS], debit=amount), Leg(accounts[_HOLDING[txn.status]], credit=amount)]
    await _post(session, scope, txn, "refund_failure", legs, now=now, description=f"refund {refund_id} failed")
    return txn


async def post_dispute(
    session: AsyncSession,
    scope: Scope,
    *,
    dispute_id: str,
    amount: int,
    fee: int,
    currency: str,
    now: int,
    description: str | None = None,
) -> BalanceTransaction:
    """Withdraw a disputed `amount` plus the dispute `fee`; the balance transaction's amount is `-amount`."""
    currency = _currency(currency)
    if amount <= 0 or fee < 0:
        raise LedgerError(f"a dispute needs amount > 0 and fee >= 0 (amount {amount}, fee {fee})")
    key = f"dispute:{dispute_id}"
    if (found := await _already_booked(session, scope, key, -amount, currency, fee)) is not None:
        return found
    accounts = await repository.ensure_accounts(session, scope, currency, now=now)
    await repository.lock_account(session, accounts[AccountKind.AVAILABLE])
    txn = BalanceTransaction(
        id=new_id("txn"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        type="adjustment",
        status=BalanceStatus.AVAILABLE,
        amount=-amount,
        fee=fee,
        net=-amount - fee,
        currency=currency,
        fee_details=[{**line, "description": "Dispute fee"} for line in fee_details(fee, currency)],
        available_on=now,
        source=dispute_id,
        description=description,
        reporting_category="dispute",
        booking_key=key,
    )
    await repository.add_balance_transaction(session, txn)
    legs = [
        Leg(accounts[AccountKind.AVAILABLE], debit=amount + fee),
        Leg(accounts[AccountKind.DISPUTES], credit=amount),
        Leg(accounts[AccountKind.FEE_REVENUE], credit=fee),
    ]
    await _post(session, scope, txn, "dispute", legs, now=now, description=f"dispute {dispute_id}")
    return txn


async def post_dispute_reversal(
    session: AsyncSession,
    scope: Scope,
    *,
    dispute_id: str,
    amount: int,
    fee_returned: int,
    currency: str,
    now: int,
    description: str | None = None,
) -> BalanceTransaction:
    """Reinstate a won dispute's `amount` and its fee to the merchant's available funds."""
    currency = _currency(currency)
    if amount <= 0 or fee_returned < 0:
        raise LedgerError(f"a reversal needs amount > 0 and fee >= 0 (amount {amount}, fee {fee_returned})")
    key = f"dispute_reversal:{dispute_id}"
    total = amount + fee_returned
    if (found := await _already_booked(session, scope, key, total, currency, 0)) is not None:
        return found
    if await repository.by_booking_key(session, f"dispute:{dispute_id}") is None:
        raise LedgerError(f"no booked dispute {dispute_id} to reverse")
    accounts = await repository.ensure_accounts(session, scope, currency, now=now)
    txn = BalanceTransaction(
        id=new_id("txn"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        type="adjustment",
        status=BalanceStatus.AVAILABLE,
        amount=total,
        fee=0,
        net=total,
        currency=currency,
        fee_details=[],
        available_on=now,
        source=dispute_id,
        description=description,
        reporting_category="dispute_reversal",
        booking_key=key,
    )
    await repository.add_balance_transaction(session, txn)
    legs = [
        Leg(accounts[AccountKind.DISPUTES], debit=amount),
        Leg(accounts[AccountKind.DISPUTE_FEE_REFUNDS], debit=fee_returned),
        Leg(accounts[AccountKind.AVAILABLE], credit=total),
    ]
    await _post(session, scope, txn, "dispute_reversal", legs, now=now, description=f"dispute {dispute_id} won")
    return txn


async def settle_due(session: AsyncSession, *, now: int, limit: int = 500) -> int:
    """Make due pending funds available: one entry per balance transaction. Returns how many settled.

    At most `limit` per call; a scheduled job calls it until it returns less than `limit`.
    """
    settled = 0
    accounts: dict[tuple[Scope, str], dict[AccountKind, int]] = {}
    for txn in await repository.due_for_settlement(session, now=now, limit=limit):
        scope = Scope(txn.merchant_id, txn.livemode)
        txn.status = BalanceStatus.AVAILABLE
        settled += 1
        if txn.net == 0:
            continue
        if (scope, txn.currency) not in accounts:
            accounts[(scope, txn.currency)] = await repository.ensure_accounts(session, scope, txn.currency, now=now)
        pending = accounts[(scope, txn.currency)][AccountKind.PENDING]
        available = accounts[(scope, txn.currency)][AccountKind.AVAILABLE]
        # A positive net moves from pending to available; a negative one (a refund) the other way.
        size = abs(txn.net)
        legs = [Leg(pending, debit=size), Leg(available, credit=size)]
        if txn.net < 0:
            legs = [Leg(available, debit=size), Leg(pending, credit=size)]
        await _post(session, scope, txn, "settlement", legs, now=now, description=f"settle {txn.id}")
    await session.flush()
    return settled
