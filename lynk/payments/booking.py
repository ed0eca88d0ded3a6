"""The ledger stage of the pipeline: book captured money, and refunds, as balanced journal entries.

Funds of a card charge become available after the settlement delay, except for Stripe's
`4000000000000077` test card, whose funds are available at once.
"""

from __future__ import annotations

from lynk.connectors import CardRef
from lynk.ledger import service as ledger
from lynk.ledger.fees import ach_fee_for, fee_for
from lynk.models import Charge
from lynk.payment_methods import service as payment_methods
from lynk.payments.context import PaymentContext
from lynk.vault import service as vault

SETTLEMENT_DELAY_SECONDS = 2 * 24 * 3600
_AVAILABLE_AT_ONCE = {("400000", "0077")}


async def book_capture(
    ctx: PaymentContext, charge: Charge, amount: int, *, card: CardRef | None = None, txn_id: str | None = None
) -> None:
    """Book `amount` captured on `charge`, and point the charge at its balance transaction.

    The confirm pipeline passes the card it already holds, and the id its new charge was made with for its
    balance transaction (`txn_id`: the charge is inserted with it, and no earlier booking is looked for); a
    later capture looks the card up.
    """
    if card is None:
        method = await payment_methods.get(ctx.session, ctx.scope, charge.payment_method_id)
        facts = await vault.card_facts(ctx.session, method.vault_card_id or "")
        immediate = facts is not None and (facts.bin, facts.last4) in _AVAILABLE_AT_ONCE
    else:
        immediate = (card.bin, card.last4) in _AVAILABLE_AT_ONCE
    txn = await ledger.post_charge(
        ctx.session,
        ctx.scope,
        charge_id=charge.id,
        amount=amount,
        currency=charge.currency,
        fee=fee_for(amount, charge.currency),
        available_on=ctx.now + SETTLEMENT_DELAY_SECONDS,
        now=ctx.now,
        immediate_available=immediate,
        description=charge.description,
        txn_id=txn_id,
    )
    charge.balance_transaction_id = txn.id


async def book_bank_debit(ctx: PaymentContext, charge: Charge) -> None:
    """Book a settled bank debit, with the ACH fee; nothing is booked before the bank settles it."""
    txn = await ledger.post_charge(
        ctx.session,
        ctx.scope,
        charge_id=charge.id,
        amount=charge.amount,
        currency=charge.currency,
        fee=ach_fee_for(charge.amount, charge.currency, ctx.fees),
        available_on=ctx.now + SETTLEMENT_DELAY_SECONDS,
        now=ctx.now,
        description=charge.description,
    )
    charge.balance_transaction_id = txn.id
