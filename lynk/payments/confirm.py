"""The confirm pipeline, one stage a function: validate, risk, authenticate, authorize, capture, events.

A card authorization runs in atomic phases (`payments.attempts`): the attempt is committed with the
intent in `processing` before the processor is called, the call is made with no transaction open, and
the outcome is written in a second short transaction, so two confirms can never both authorize and no
lock is held over the network. The processor's idempotency key is derived from the PaymentIntent's
count of finished attempts, or, for an intent created by the same request, from the request's
Idempotency-Key: a retry asks the processor the same question again instead of authorizing twice.
Every call is logged in `connector_calls` before it is made. The stages a SetupIntent's confirmation runs
too are in `payments.stages` and `attempts.run`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from lynk.connectors import (
    AuthorizeResult,
    AuthorizeStatus,
    CardRef,
)
from lynk.core import metrics
from lynk.core.errors import InvalidRequestError
from lynk.core.ids import new_id
from lynk.events import service as events
from lynk.link import service as link
from lynk.link.service import LinkPayment, LinkSignup
from lynk.models import Charge, Mandate, PaymentIntent, PaymentMethod
from lynk.payment_methods import bank_accounts
from lynk.payment_methods import service as payment_methods
from lynk.payment_methods.bank_accounts import BankAccountInput
from lynk.payments import aftermath, attempts, bank_debits, booking, method_rules, risk, states
from lynk.payments import options as intent_options
from lynk.payments.charge_records import build_charge
from lynk.payments.context import (
    PaymentContext,
    attempt_key_base,
    authentication_url,
    connector_call,
    require_processor,
)
from lynk.payments.errors import PaymentDeclined
from lynk.payments.objects import charge_object, payment_intent_object
from lynk.payments.setup_intents import mandates
from lynk.payments.stages import card_ref, card_request, error_object, resolve_method, set_method


@dataclass(frozen=True)
class BankAccountData:
    """`payment_method_data` of type `us_bank_account`."""

    account: BankAccountInput
    billing: dict[str, Any] | None


@dataclass(frozen=True)
class ConfirmOptions:
    payment_method: str | None = None
    payment_method_data: payment_methods.CardData | None = None
    return_url: str | None = None
    off_session: bool | None = None
    setup_future_usage: str | None = None
    bank_account_data: BankAccountData | None = None
    mandate_data: dict[str, Any] | None = None
    link: LinkPayment | None = None  # pay with a verified Link session
    link_signup: LinkSignup | None = None  # save the card to a new Link account once it succeeds
    publishable: bool = False  # the shopper's browser confirms (see method_rules)
    error_on_requires_action: bool = False  # fail the attempt rather than ask the shopper to authenticate
    mandate: str | None = None  # the mandate an off-session payment relies on


async def confirm(ctx: PaymentContext, pi: PaymentIntent, options: ConfirmOptions) -> PaymentIntent:
    """Run the pipeline; a decline raises PaymentDeclined after its outcome is written."""
    states.check_confirmable(pi)
    if options.link_signup is not None:
        await link.check_signup(options.link_signup)
    method_rules.check_off_session(publishable=options.publishable, off_session=options.off_session)
    method = await payment_method_for(ctx, pi, options)
    await require_processor(ctx)
    method_rules.check_usable(method, publishable=options.publishable, verified_link=options.link is not None)
    if method.type not in pi.payment_method_types:  # e.g. a card on an intent that takes bank debits only
        raise InvalidRequestError(
            f"The PaymentMethod provided ({method.type}) is not allowed for this PaymentIntent. Create the "
            f"PaymentIntent with payment_method_types including {method.type}, or use one of: "
            f"{', '.join(pi.payment_method_types)}.",
            param="payment_method",
            code="payment_intent_incompatible_payment_method",
        )
    if options.return_url is not None:
        pi.return_url = options.return_url
    if options.off_session is not None or options.publishable:  # a browser is there: on session
        pi.off_session = bool(options.off_session)
    if options.setup_future_usage is not None:
        pi.setup_future_usage = options.setup_future_usage or None
    if options.mandate is not None:
        await mandates.check_covers(ctx, options.mandate, method)
    if method.type == bank_debits.TYPE:  # paying by bank: see bank_debits
        await bank_debits.confirm(ctx, pi, method, mandate_data=options.mandate_data)
        return pi
    if method.type == "link" and options.link is None:
        # The merchant charges a `link` method again, without the shopper: only through an off-session grant.
        await link.check_reuse(ctx.session, ctx.keyring, ctx.scope, ctx.now, method.id, off_session=pi.off_session)
    funding = None  # a `link` method's card or bank account: its grant and detail, read once
    if method.type == "link":
        funding = await link.funding_for(ctx.session, ctx.keyring, ctx.scope, ctx.now, method.id)
        if await bank_debits.confirm_link(ctx, pi, method, funding, mandate_data=options.mandate_data):
            return pi  # the shopper chose a bank account in the wallet
    card = await card_ref(ctx, method, funding)
    assessment = await risk.assess(ctx, pi, method, card, publishable=options.publishable, link_payment=options.link)
    if assessment.blocked:
        charge = await build_charge(ctx, pi, method, None, assessment, blocked=True, ref=card)
        await _fail(ctx, pi, method, charge, "card_declined", "fraudulent", "Your card was declined.")
    await _authorize(
        ctx, pi, method, card, assessment, authenticated=False, fail_on_action=options.error_on_requires_action
    )
    if options.link_signup is not None:  # enrol now, or hold the opt-in through 3-D Secure
        signup, billing = options.link_signup, method.billing_details
        await link.after_confirm(ctx.session, ctx.keyring, ctx.scope, ctx.now, pi, signup, card.vault_card_id, billing)
    return pi


async def complete_authentication(ctx: PaymentContext, pi: PaymentIntent, *, succeeded: bool) -> PaymentIntent:
    """The shopper finished the 3-D Secure challenge; authorize now, or fail the attempt."""
    states.check_authenticating(pi)
    assert pi.payment_method_id is not None
    method = await payment_methods.get(ctx.session, ctx.scope, pi.payment_method_id)
    if not succeeded:
        error = error_object(
            "payment_intent_authentication_failure",
            None,
            "The provided PaymentMethod has failed authentication. Provide a new PaymentMethod to attempt "
            "to fulfill this PaymentIntent again.",
            method,
            type_="invalid_request_error",
        )
        states.failed(pi, error, None)
        await _record_intent(ctx, pi, "payment_intent.payment_failed")
        await link.after_authentication(ctx.session, ctx.keyring, ctx.scope, ctx.now, pi, "", {})
        return pi
    card = await card_ref(ctx, method)
    assessment = await risk.assess(ctx, pi, method, card, publishable=True)  # the shopper's browser came back
    # A decline's outcome is written either way; the shopper goes back to the merchant, who sees the status.
    with contextlib.suppress(PaymentDeclined):
        if assessment.blocked:  # a block rule (or a card-testing limit) decided during the challenge
            charge = await build_charge(ctx, pi, method, None, assessment, blocked=True, ref=card)
            await _fail(ctx, pi, method, charge, "card_declined", "fraudulent", "Your card was declined.")
        await _authorize(ctx, pi, method, card, assessment, authenticated=True)
    billing = method.billing_details
    await link.after_authentication(ctx.session, ctx.keyring, ctx.scope, ctx.now, pi, card.vault_card_id, billing)
    return pi


async def payment_method_for(ctx: PaymentContext, pi: PaymentIntent, options: ConfirmOptions) -> PaymentMethod:
    """The method to pay with (made from `payment_method_data`, or resolved), set on the intent."""
    if options.bank_account_data is None:
        shipping = (pi.shipping or {}).get("address")  # shipping somewhere new may need a Link step-up
        return await resolve_method(
            ctx, pi, options.link, options.payment_method_data, options.payment_method, shipping_address=shipping
        )
    method = await bank_accounts.create(
        ctx.session,
        ctx.keyring,
        ctx.scope,
        options.bank_account_data.account,
        billing=options.bank_account_data.billing,
        metadata=None,
        allow_redisplay="unspecified",
        now=ctx.now,
        within="payment_method_data",
    )
    return set_method(pi, method)


async def _authorize(
    ctx: PaymentContext,
    pi: PaymentIntent,
    method: PaymentMethod,
    card: CardRef,
    assessment: risk.RiskAssessment,
    *,
    authenticated: bool,
    fail_on_action: bool = False,
) -> None:
    requested_url = authentication_url(ctx, pi.id, pi.client_secret, None)
    if (
        not authenticated
        and not pi.off_session
        and not fail_on_action
        and (intent_options.challenge_requested(pi) or assessment.request_credentials)
        and requested_url is not None  # live: the processor asks for authentication, or not
    ):
        await _require_authentication(ctx, pi, requested_url)
        return
    setup_future_usage = intent_options.setup_future_usage(pi, method.type)
    # An off-session charge relies on the consent recorded when the card was set up.
    mandate = await mandates.active_for(ctx, method) if pi.off_session else None
    fields: dict[str, Any] = dict(
        amount=pi.amount,
        currency=pi.currency,
        authenticated=authenticated,
        off_session=pi.off_session,
        setup_for_future=setup_future_usage is not None,
        previously_setup=mandate is not None,
        capture=intent_options.capture_method(pi, method.type) != "manual",
        incremental_authorization=intent_options.incremental_requested(pi),
    )
    done = await attempts.run(
        ctx,
        pi,
        "authorize",
        lambda: f"{attempt_key_base(ctx, pi.id)}:authorize:{pi.attempts + 1}",
        lambda key: connector_call(ctx.connector.authorize, card_request(key, method, card, **fields)),
        authenticated=authenticated,
        fail_on_action=fail_on_action,
    )
    if done is None:
        return  # the recovery job resolved this attempt first, from the same answer: the intent shows it
    _call, result = done
    await apply_authorization(
        ctx, pi, method, card, assessment, result, mandate, authenticated=authenticated, fail_on_action=fail_on_action
    )


async def apply_authorization(
    ctx: PaymentContext,
    pi: PaymentIntent,
    method: PaymentMethod,
    card: CardRef,
    assessment: risk.RiskAssessment,
    result: AuthorizeResult,
    mandate: Mandate | None,
    *,
    authenticated: bool,
    fail_on_action: bool,
) -> None:
    """Phase 2: the processor's answer written (charge, ledger, events); a decline raises PaymentDeclined."""
    setup_future_usage = intent_options.setup_future_usage(pi, method.type)
    url = authentication_url(ctx, pi.id, pi.client_secret, result)
    if (
        result.status == AuthorizeStatus.AUTHENTICATION_REQUIRED
        and not pi.off_session
        and not fail_on_action
        and url is not None
    ):
        await _require_authentication(ctx, pi, url)
        metrics.payment("requires_action", method.type, ctx.scope.livemode)
        return
    ok = result.status in (AuthorizeStatus.AUTHORIZED, AuthorizeStatus.CAPTURED)
    captured = result.status == AuthorizeStatus.CAPTURED
    # The intent's new state is set before its charge is added, so the flush that inserts the charge updates the
    # intent once; a captured charge is made with the id of the balance transaction it is booked under below.
    charge_id, txn_id = new_id("ch"), new_id("txn") if captured else None
    if ok:
        states.authorized(pi, charge_id, result.reference, captured=captured, now=ctx.now)
    charge = await build_charge(
        ctx,
        pi,
        method,
        result,
        assessment,
        blocked=False,
        mandate_id=mandate.id if mandate else None,
        ref=card,
        authenticated=authenticated,
        charge_id=charge_id,
        balance_transaction_id=txn_id,
    )
    if ok:
        if captured:
            await booking.book_capture(ctx, charge, pi.amount, card=card, txn_id=txn_id)
        charge_event = charge_object(charge)
        await events.record(ctx.session, ctx.scope, "charge.succeeded", charge_event, now=ctx.now, flush=False)
        if method.type == "link":
            await link.payment_succeeded(
                ctx.session, ctx.keyring, ctx.scope, ctx.now, method.id, setup_future_usage=bool(setup_future_usage)
            )
        if setup_future_usage and pi.customer_id and method.customer_id is None:
            await payment_methods.attach(ctx.session, ctx.keyring, ctx.scope, method.id, pi.customer_id, now=ctx.now)
        method_rules.spend_if_single_use(method)
        if setup_future_usage == "off_session":
            await mandates.record(ctx, method, source_id=pi.id, customer_acceptance=None)
        await _record_intent(
            ctx, pi, "payment_intent.succeeded" if captured else "payment_intent.amount_capturable_updated"
        )
        if captured:
            await aftermath.after_capture(ctx, charge, card)
        return
    if result.status == AuthorizeStatus.AUTHENTICATION_REQUIRED and not result.code:  # error_on_requires_action
        message = "Your card was declined. This transaction requires authentication."
        await _fail(ctx, pi, method, charge, "authentication_required", "authentication_required", message)
    code = result.code or "card_declined"
    await _fail(ctx, pi, method, charge, code, result.decline_code, result.message)


async def _require_authentication(ctx: PaymentContext, pi: PaymentIntent, url: str) -> None:
    """Send the shopper to authenticate at `url` (`next_action.redirect_to_url`)."""
    states.require_action(pi, {"type": "redirect_to_url", "redirect_to_url": {"url": url, "return_url": pi.return_url}})
    await _record_intent(ctx, pi, "payment_intent.requires_action")


async def _fail(
    ctx: PaymentContext,
    pi: PaymentIntent,
    method: PaymentMethod,
    charge: Charge,
    code: str,
    decline_code: str | None,
    message: str,
) -> None:
    charge.failure_code, charge.failure_message = code, message
    error = error_object(code, decline_code, message, method)
    error["charge"] = charge.id
    states.failed(pi, error, charge.id)
    await ctx.session.flush()
    await events.record(ctx.session, ctx.scope, "charge.failed", charge_object(charge), now=ctx.now)
    await _record_intent(ctx, pi, "payment_intent.payment_failed")
    raise PaymentDeclined(
        message,
        code=code,
        decline_code=decline_code,
        extra={"charge": charge.id, "payment_intent": payment_intent_object(pi)},
    )


async def _record_intent(ctx: PaymentContext, pi: PaymentIntent, type_: str) -> None:
    # Flushed with the rest of the outcome (the events of the payment in one INSERT): nothing reads it before.
    await events.record(ctx.session, ctx.scope, type_, payment_intent_object(pi), now=ctx.now, flush=False)
