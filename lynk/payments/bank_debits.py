"""Paying by bank (ACH debit of a `us_bank_account` PaymentMethod, or of a `link` method whose shopper
chose a bank account in the Link wallet), and the settlement job.

Confirming sends the debit in the atomic phases of a card authorization (`payments.attempts`: a dead
request's debit is resolved once, by its retry or the recovery job, through `apply`) and leaves the
PaymentIntent `processing` with a `pending` charge;
nothing is booked. Once the settlement delay has passed, `settle_due` asks the connector for the
bank's verdict (`status(key)`): a settled debit makes the PaymentIntent `succeeded` and books
the money with the ACH fee; a returned one fails the charge with the bank's code and ACH return
code and puts the PaymentIntent back to `requires_payment_method`. A connector that still says
`pending` is asked again after another delay; one that never saw the key is sent the same debit
again (same idempotency key, so the bank acts at most once). The job, too, holds no transaction or lock
while the connector answers: it claims the due debits by a lease, asks, then writes each verdict in a short
transaction that finds the debit still `pending` (`settle_due`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lynk.connectors import BankRef, DebitRequest, DebitResult, DebitStatus
from lynk.core import metrics
from lynk.core.db import end_phase, reading
from lynk.core.errors import InvalidRequestError
from lynk.core.ids import new_id, random_token
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.link import service as link
from lynk.models import (
    BankDebit,
    BankDebitStatus,
    Charge,
    ChargeStatus,
    ConnectorCall,
    PaymentIntent,
    PaymentIntentStatus,
    PaymentMethod,
)
from lynk.payment_methods import service as payment_methods
from lynk.payment_methods.objects import payment_method_object
from lynk.payments import attempts, booking, repository, states
from lynk.payments import options as intent_options
from lynk.payments.context import PaymentContext, attempt_key_base, connector_call
from lynk.payments.errors import ProcessorUnavailable
from lynk.payments.objects import charge_object, payment_intent_object
from lynk.payments.setup_intents import mandates
from lynk.vault import bank_accounts as vault_banks

TYPE = "us_bank_account"


def _check_payable(pi: PaymentIntent, mandate_data: dict[str, Any] | None, method_type: str) -> None:
    if method_type not in pi.payment_method_types:
        raise InvalidRequestError(
            f"The PaymentMethod provided ({method_type}) is not allowed for this PaymentIntent. Create the "
            f"PaymentIntent with payment_method_types including {method_type}, or use one of: "
            f"{', '.join(pi.payment_method_types)}.",
            param="payment_method",
            code="payment_intent_incompatible_payment_method",
        )
    if pi.currency != "usd":
        raise InvalidRequestError(
            f"us_bank_account PaymentMethods debit US dollars only; this PaymentIntent is in {pi.currency}.",
            param="currency",
        )
    if pi.capture_method == "manual":
        raise InvalidRequestError(
            "us_bank_account PaymentMethods do not support capture_method=manual.", param="capture_method"
        )
    # Paying with a bank account from a Link wallet, the shopper consents inside Link (a verified session).
    if method_type == TYPE and mandate_data is None and not pi.off_session:
        raise InvalidRequestError(
            "An ACH debit needs the customer's mandate: pass mandate_data[customer_acceptance][type] "
            "(online, with [online][ip_address] and [online][user_agent], or offline), or off_session=true "
            "for a merchant-initiated debit under a mandate accepted earlier.",
            param="mandate_data",
            code="parameter_missing",
        )


async def _bank_ref(ctx: PaymentContext, vault_bank_account_id: str) -> BankRef:
    facts = await vault_banks.bank_account_facts(ctx.session, vault_bank_account_id)
    assert facts is not None, "a bank account to debit always has its vault record"
    return BankRef(vault_bank_account_id, facts.routing_number, facts.last4)


def _details(method: PaymentMethod, mandate_id: str | None = None) -> dict[str, Any]:
    """The charge's `payment_method_details`; a Link payment names no bank and no numbers."""
    if method.type == "link":
        return link.bank_charge_details(method.billing_details)
    details = {k: v for k, v in (method.us_bank_account or {}).items() if k not in ("networks", "status_details")}
    details.pop("financial_connections_account", None)
    details.update({"mandate": mandate_id or f"mandate_{random_token(24)}", "payment_reference": None})
    return {"type": TYPE, TYPE: details, "billing_details": method.billing_details}


async def confirm(
    ctx: PaymentContext,
    pi: PaymentIntent,
    method: PaymentMethod,
    *,
    mandate_data: dict[str, Any] | None,
    link_bank_account_id: str | None = None,
) -> None:
    """Send the debit: the PaymentIntent goes to `processing` (events `charge.pending`, `payment_intent.processing`).

    `link_bank_account_id`: a `link` method whose shopper chose a bank account in the wallet."""
    _check_payable(pi, mandate_data, method.type)
    # Off-session: only under consent given earlier.
    if method.type == TYPE and mandate_data is None and await mandates.active_for(ctx, method) is None:
        raise InvalidRequestError(
            "This bank account has no active mandate for off-session debits: confirm a payment with "
            "mandate_data and setup_future_usage=off_session first, or pass mandate_data now.",
            param="mandate_data",
            code="parameter_missing",
        )
    bank = await _bank_ref(ctx, link_bank_account_id or method.vault_bank_account_id or "")
    done = await attempts.run(
        ctx,
        pi,
        "debit",
        lambda: f"{attempt_key_base(ctx, pi.id)}:debit:{pi.attempts + 1}",
        lambda key: connector_call(ctx.connector.debit, DebitRequest(key, pi.amount, pi.currency, bank)),
        details={"mandate_data": mandate_data, "bank_account": bank.vault_bank_account_id},
    )
    if done is not None:  # else the recovery job wrote the same answer first
        await apply(ctx, pi, *done)


async def apply(ctx: PaymentContext, pi: PaymentIntent, call: ConnectorCall, result: DebitResult) -> None:
    """Phase 2: the debit sent (`call`, with what its request said in `resume`) is written: a `pending` charge,
    the mandate, the events; a debit the bank already answered is settled or returned at once."""
    assert pi.payment_method_id is not None, "a debit is sent for the intent's payment method"
    method = await payment_methods.get(ctx.session, ctx.scope, pi.payment_method_id)
    mandate_data = (call.resume or {}).get("mandate_data")
    saved = await mandates.active_for(ctx, method) if method.type == TYPE and mandate_data is None else None
    charge = Charge(
        id=new_id("ch"),
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        metadata_=dict(pi.metadata_),
        payment_intent_id=pi.id,
        amount=pi.amount,
        amount_captured=pi.amount,
        amount_refunded=0,
        currency=pi.currency,
        status=ChargeStatus.PENDING,
        captured=True,
        paid=False,
        customer_id=pi.customer_id,
        payment_method_id=method.id,
        payment_method_details=_details(method, saved.id if saved else None),
        outcome={
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "not_assessed",
            "risk_score": None,
            "seller_message": "Payment pending: the bank has not answered yet.",
            "type": "authorized",
        },
        failure_code=None,
        failure_message=None,
        balance_transaction_id=None,
        connector_reference=result.reference,
        description=pi.description,
        receipt_email=pi.receipt_email,
        disputed=False,
    )
    await repository.add(ctx.session, charge)
    metrics.payment("pending", method.type, ctx.scope.livemode)
    states.processing(pi, charge.id, ctx.now)
    debit = BankDebit(
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        payment_intent_id=pi.id,
        charge_id=charge.id,
        connector_key=call.idempotency_key,
        vault_bank_account_id=(call.resume or {})["bank_account"],
        amount=pi.amount,
        currency=pi.currency,
        status=BankDebitStatus.PENDING,
        created=ctx.now,
        due_at=ctx.now + ctx.bank_settlement_seconds,
        completed=None,
    )
    await repository.add(ctx.session, debit)
    setup_future_usage = intent_options.setup_future_usage(pi, method.type)
    if setup_future_usage and pi.customer_id and method.customer_id is None:
        # Saved for later debits under the mandate just accepted, as Stripe does once the debit is sent.
        await payment_methods.attach(ctx.session, ctx.keyring, ctx.scope, method.id, pi.customer_id, now=ctx.now)
    if method.type == TYPE and mandate_data is not None and setup_future_usage == "off_session":
        # The consent later off-session debits rely on (see the check above).
        saved = await mandates.record(ctx, method, source_id=pi.id, customer_acceptance=_acceptance(mandate_data, ctx))
        charge.payment_method_details = _details(method, saved.id)
    await events.record(ctx.session, ctx.scope, "charge.pending", charge_object(charge), now=ctx.now)
    await events.record(ctx.session, ctx.scope, "payment_intent.processing", payment_intent_object(pi), now=ctx.now)
    if result.status is DebitStatus.FAILED:  # refused at once (a real connector may do so)
        await _returned(ctx, pi, charge, debit, result)
    elif result.status is DebitStatus.SUCCEEDED:
        await _settled(ctx, pi, charge, debit)
    if method.type == "link" and pi.status in (PaymentIntentStatus.PROCESSING, PaymentIntentStatus.SUCCEEDED):
        # The payment counts for Link, and with `setup_future_usage` the grant allows off-session debits.
        sfu = bool(intent_options.setup_future_usage(pi, method.type))
        await link.payment_succeeded(ctx.session, ctx.keyring, ctx.scope, ctx.now, method.id, setup_future_usage=sfu)


def _acceptance(mandate_data: dict[str, Any], ctx: PaymentContext) -> dict[str, Any]:
    """`mandate_data[customer_acceptance]` in a Mandate's shape."""
    given = mandate_data.get("customer_acceptance") or {}
    online = given.get("online")
    return {
        "accepted_at": given.get("accepted_at") or ctx.now,
        "offline": {} if given.get("type") == "offline" else None,
        "online": {"ip_address": online.get("ip_address"), "user_agent": online.get("user_agent")} if online else None,
        "type": given.get("type", "online"),
    }


async def confirm_link(
    ctx: PaymentContext,
    pi: PaymentIntent,
    method: PaymentMethod,
    funding: link.Funding,
    *,
    mandate_data: dict[str, Any] | None,
) -> bool:
    """A `link` method funded by a bank account in the wallet (`funding`, read by the caller): send the debit
    (False: it charges a card).

    The payment counts for Link, and with `setup_future_usage` the grant allows off-session debits,
    once the debit is sent, as a bank account is saved for later then."""
    bank_account_id = funding.vault_bank_account_id
    if bank_account_id is None:
        return False
    await confirm(ctx, pi, method, mandate_data=mandate_data, link_bank_account_id=bank_account_id)
    return True


async def settle_due(ctx: PaymentContext, *, limit: int = 200, customer_ids: Sequence[str] | None = None) -> int:
    """Move on every bank debit whose settlement time has come (all merchants' with `ctx.scope` ignored,
    or only those of `customer_ids`, a test clock's customers); how many the bank answered.

    In a `Database.phases` session (the upkeep's, an API request's) no transaction is open while the connector
    answers: the due debits are claimed first (their `due_at` a settlement delay on, a lease: another pass,
    in this process or another, finds them not due) and that commits; each is then asked with no transaction
    open, and its verdict written in a short transaction of its own (`_write`). Inside one transaction all
    of it runs there."""
    due = await repository.due_bank_debits(ctx.session, ctx.now, limit=limit, customer_ids=customer_ids)
    if not due:
        return 0
    for debit in due:  # asked again after another delay unless a verdict is written first
        debit.due_at = ctx.now + ctx.bank_settlement_seconds
    await ctx.session.flush()
    await end_phase(ctx.session)
    done = 0
    for debit in due:
        try:
            result = await _verdict(ctx, debit)
        except ProcessorUnavailable:  # no answer: ask again once the lease ends, and go on with the others
            result = None
        if isinstance(result, DebitResult) and result.status is not DebitStatus.PENDING:
            done += await _write(replace(ctx, scope=Scope(debit.merchant_id, debit.livemode)), debit, result)
    return done


async def _write(ctx: PaymentContext, debit: BankDebit, result: DebitResult) -> int:
    """The bank's verdict on `debit`, written with its rows read again and locked: 0 (nothing written) if the
    debit is no longer pending (another pass wrote it), else 1, committed."""
    await ctx.session.refresh(debit, with_for_update=True)
    if debit.status != BankDebitStatus.PENDING:
        await end_phase(ctx.session)
        return 0
    pi = await repository.get_intent(ctx.session, ctx.scope, debit.payment_intent_id, for_update=True)
    charge = await repository.get_charge(ctx.session, ctx.scope, debit.charge_id, for_update=True)
    assert pi is not None and charge is not None
    charge.connector_reference = result.reference  # the processor's id for the debit, as it knows it now
    if result.succeeded:
        await _settled(ctx, pi, charge, debit)
    else:
        await _returned(ctx, pi, charge, debit, result)
    await end_phase(ctx.session)
    return 1


async def _verdict(ctx: PaymentContext, debit: BankDebit) -> DebitResult | None:
    result = await connector_call(ctx.connector.status, debit.connector_key)
    if result is None:  # the connector forgot (a restart): the same question again, under the same key
        async with reading(ctx.session) as session:
            facts = await vault_banks.bank_account_facts(session, debit.vault_bank_account_id)
        if facts is None:  # a Link shopper erased the account meanwhile: it cannot be sent again, so it fails
            message = "The bank account was removed before the bank answered; the debit was not sent again."
            return DebitResult(DebitStatus.FAILED, debit.connector_key, "bank_account_unusable", message)
        bank = BankRef(debit.vault_bank_account_id, facts.routing_number, facts.last4)
        await connector_call(ctx.connector.debit, DebitRequest(debit.connector_key, debit.amount, debit.currency, bank))
        result = await connector_call(ctx.connector.status, debit.connector_key)
    return result if isinstance(result, DebitResult) else None


async def _settled(ctx: PaymentContext, pi: PaymentIntent, charge: Charge, debit: BankDebit) -> None:
    charge.status, charge.paid = ChargeStatus.SUCCEEDED, True
    charge.outcome = {**charge.outcome, "seller_message": "Payment complete."}
    states.processing_succeeded(pi)
    debit.status, debit.completed = BankDebitStatus.SUCCEEDED, ctx.now
    await booking.book_bank_debit(ctx, charge)
    await ctx.session.flush()
    await events.record(ctx.session, ctx.scope, "charge.succeeded", charge_object(charge), now=ctx.now)
    await events.record(ctx.session, ctx.scope, "payment_intent.succeeded", payment_intent_object(pi), now=ctx.now)


async def _returned(
    ctx: PaymentContext, pi: PaymentIntent, charge: Charge, debit: BankDebit, result: DebitResult
) -> None:
    code = result.code or "bank_account_declined"
    message = result.message or "The customer's bank returned the debit."
    if result.return_code:
        message = f"{message} (ACH return code {result.return_code})"
    charge.status, charge.paid, charge.captured, charge.amount_captured = ChargeStatus.FAILED, False, False, 0
    charge.failure_code, charge.failure_message = code, message
    charge.outcome = {
        **charge.outcome,
        "network_status": "declined_by_network",
        "network_decline_code": result.return_code,
        "reason": code,
        "seller_message": message,
        "type": "issuer_declined",
    }
    method = await _method(ctx, charge)
    error = {
        "type": "invalid_request_error",
        "code": code,
        "decline_code": None,
        "message": message,
        "doc_url": f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}",
        "param": None,
        "network_decline_code": result.return_code,
        "charge": charge.id,
        "payment_method": payment_method_object(method),
    }
    states.processing_failed(pi, error)
    debit.status, debit.completed = BankDebitStatus.FAILED, ctx.now
    await ctx.session.flush()
    await events.record(ctx.session, ctx.scope, "charge.failed", charge_object(charge), now=ctx.now)
    await events.record(ctx.session, ctx.scope, "payment_intent.payment_failed", payment_intent_object(pi), now=ctx.now)


async def _method(ctx: PaymentContext, charge: Charge) -> PaymentMethod:
    return await payment_methods.get(ctx.session, ctx.scope, charge.payment_method_id)
