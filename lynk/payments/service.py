"""PaymentIntent and Charge use cases other than confirming (see `confirm`) and capturing (`capturing`)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.errors import InvalidRequestError
from lynk.core.ids import new_id, random_token
from lynk.core.metadata import MetadataUpdate
from lynk.core.money import currency as currency_of
from lynk.core.pagination import Page, PageRequest
from lynk.customers import service as customers
from lynk.events import service as events
from lynk.models import Charge, PaymentIntent, PaymentIntentStatus
from lynk.payment_methods import service as payment_methods
from lynk.payments import capturing, options, recovery, repository, states, voiding
from lynk.payments.confirm import ConfirmOptions, confirm, payment_method_for
from lynk.payments.context import PaymentContext
from lynk.payments.errors import AmountTooSmall, ChargeNotFound, ClientSecretMismatch, PaymentIntentNotFound
from lynk.payments.objects import charge_object, payment_intent_object
from lynk.radar import service as radar

MAX_AMOUNT = 99_999_999


@dataclass(frozen=True)
class NewPaymentIntent:
    amount: int
    currency: str
    customer: str | None = None
    payment_method_types: Sequence[str] | None = None  # None: `card`, or the automatic ones
    automatic_payment_methods: Mapping[str, Any] | None = None
    payment_method_options: Mapping[str, Any] | None = None
    shipping: Mapping[str, Any] | None = None
    statement_descriptor_suffix: str | None = None
    capture_method: str = "automatic"
    confirmation_method: str = "automatic"
    setup_future_usage: str | None = None
    description: str | None = None
    receipt_email: str | None = None
    statement_descriptor: str | None = None
    metadata: MetadataUpdate | None = None
    payment_method: str | None = None


def check_amount(amount: int, code: str, *, param: str = "amount") -> str:
    found = currency_of(code)
    if amount < found.minimum_charge:
        raise AmountTooSmall(found.format(found.minimum_charge), found.code)
    if amount > MAX_AMOUNT:
        raise InvalidRequestError(
            f"Amount must be no more than {found.format(MAX_AMOUNT)} {found.code}.",
            param=param,
            code="amount_too_large",
        )
    return found.code


def _method_types(new: NewPaymentIntent, code: str) -> tuple[list[str], dict[str, Any] | None]:
    """The types the intent offers, and its `automatic_payment_methods` (when those types came from it)."""
    automatic = new.automatic_payment_methods
    if not automatic or not automatic.get("enabled"):
        return list(new.payment_method_types or ["card"]), None
    if new.payment_method_types:
        raise InvalidRequestError(
            "You may only specify one of these parameters: automatic_payment_methods, payment_method_types.",
            param="automatic_payment_methods",
        )
    allow_redirects = automatic.get("allow_redirects") or "always"
    return options.automatic_types(code, new.capture_method), {"allow_redirects": allow_redirects, "enabled": True}


async def create(ctx: PaymentContext, new: NewPaymentIntent, confirm_with: ConfirmOptions | None) -> PaymentIntent:
    code = check_amount(new.amount, new.currency)
    if confirm_with is not None and (
        earlier := await recovery.earlier_run(
            ctx, PaymentIntent, lambda pi: confirm(ctx, pi, confirm_with), states.CONFIRMABLE
        )
    ):
        return earlier  # this request ran before and committed its intent with an attempt
    types, automatic = _method_types(new, code)
    if new.customer is not None:
        await customers.get(ctx.session, ctx.scope, new.customer, param="customer")
    pi_id = new_id("pi")
    pi = PaymentIntent(
        id=pi_id,
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        metadata_=(new.metadata or MetadataUpdate()).apply({}),
        amount=new.amount,
        currency=code,
        status=PaymentIntentStatus.REQUIRES_PAYMENT_METHOD,
        capture_method=new.capture_method,
        confirmation_method=new.confirmation_method,
        customer_id=new.customer,
        payment_method_id=None,
        payment_method_types=types,
        automatic_payment_methods=automatic,
        payment_method_options=options.merge(None, dict(new.payment_method_options or {})),
        shipping=dict(new.shipping) if new.shipping else None,
        statement_descriptor_suffix=new.statement_descriptor_suffix,
        setup_future_usage=new.setup_future_usage,
        description=new.description,
        receipt_email=new.receipt_email,
        statement_descriptor=new.statement_descriptor,
        client_secret=f"{pi_id}_secret_{random_token(24)}",
        amount_capturable=0,
        amount_received=0,
        off_session=False,
        attempts=0,
    )
    await repository.add(ctx.session, pi)
    created = payment_intent_object(pi)
    await events.record(ctx.session, ctx.scope, "payment_intent.created", created, now=ctx.now, flush=False)
    if confirm_with is not None:
        ctx.created_here.add(pi.id)
        ctx.made_now.add(pi.id)
        await confirm(ctx, pi, confirm_with)
    elif new.payment_method is not None:
        await attach_method(ctx, pi, new.payment_method)
    return pi


def set_confirm_fields(
    pi: PaymentIntent,
    *,
    shipping: Mapping[str, Any] | None,
    payment_method_options: Mapping[str, Any] | None,
    receipt_email: str | None,
    given: frozenset[str],
) -> None:
    """The intent's fields a confirmation may also set (`shipping`, `payment_method_options`, `receipt_email`)."""
    states.check_confirmable(pi)
    if "shipping" in given:
        pi.shipping = dict(shipping) if shipping else None
    if payment_method_options is not None:
        pi.payment_method_options = options.merge(pi.payment_method_options, dict(payment_method_options))
    if "receipt_email" in given:
        pi.receipt_email = receipt_email


async def get(ctx: PaymentContext, payment_intent_id: str, *, for_update: bool = False) -> PaymentIntent:
    pi = await repository.get_intent(ctx.session, ctx.scope, payment_intent_id, for_update=for_update)
    if pi is None:
        raise PaymentIntentNotFound(payment_intent_id)
    return pi


@dataclass(frozen=True)
class ProcessorCall:
    """What a payment's page shows of a processor call: never its keys, request or the processor's answer."""

    operation: str
    status: str
    amount: int
    created: int
    completed: int | None


async def processor_calls(ctx: PaymentContext, payment_intent_id: str) -> list[ProcessorCall]:
    """The processor calls made for the merchant's intent (up to 100, oldest first)."""
    pi = await get(ctx, payment_intent_id)  # the calls carry no scope: the intent's scoped read guards them
    calls = await repository.calls_of_intent(ctx.session, pi.id, 100)
    return [ProcessorCall(c.operation, c.status, c.amount, c.created, c.completed) for c in calls]


def check_client_secret(pi: PaymentIntent, client_secret: str | None) -> None:
    """A publishable key reaches a PaymentIntent only with its client secret."""
    if client_secret is None or not hmac.compare_digest(pi.client_secret, client_secret):
        raise ClientSecretMismatch(pi.id)


async def attach_method(ctx: PaymentContext, pi: PaymentIntent, payment_method: str) -> None:
    method = await payment_methods.resolve(ctx.session, ctx.keyring, ctx.scope, payment_method, now=ctx.now)
    states.method_attached(pi, method.id)


@dataclass(frozen=True)
class IntentChanges:
    """An update's fields; `given` names those sent, so that an empty string (None here) unsets."""

    given: frozenset[str]
    amount: int | None = None
    currency: str | None = None
    customer: str | None = None
    payment_method: str | None = None
    payment_method_data: ConfirmOptions | None = None
    payment_method_types: Sequence[str] | None = None
    payment_method_options: Mapping[str, Any] | None = None
    capture_method: str | None = None
    setup_future_usage: str | None = None
    shipping: Mapping[str, Any] | None = None
    statement_descriptor: str | None = None
    statement_descriptor_suffix: str | None = None
    description: str | None = None
    receipt_email: str | None = None
    metadata: MetadataUpdate | None = None


# What Stripe lets a merchant change once the payment went through (or was canceled).
ALWAYS_UPDATABLE = frozenset({"description", "metadata", "receipt_email", "expand"})


async def update(ctx: PaymentContext, pi: PaymentIntent, changes: IntentChanges) -> PaymentIntent:
    if not changes.given <= ALWAYS_UPDATABLE:
        states.check_updatable(pi)
    before = payment_intent_object(pi)
    challenged = (pi.amount, pi.currency, pi.payment_method_id)
    await _apply_payment_changes(ctx, pi, changes)
    asked = (pi.amount, pi.currency, pi.payment_method_id)
    if pi.status == PaymentIntentStatus.REQUIRES_ACTION and asked != challenged:
        states.challenge_ended(pi)  # the shopper authenticated something else: never charge this on it
    given = changes.given
    if "shipping" in given:
        pi.shipping = dict(changes.shipping) if changes.shipping else None
    if "statement_descriptor" in given:
        pi.statement_descriptor = changes.statement_descriptor
    if "statement_descriptor_suffix" in given:
        pi.statement_descriptor_suffix = changes.statement_descriptor_suffix
    if "description" in given:
        pi.description = changes.description
    if "receipt_email" in given:
        pi.receipt_email = changes.receipt_email
    if changes.metadata is not None:
        pi.metadata_ = changes.metadata.apply(pi.metadata_)
    await ctx.session.flush()
    after = payment_intent_object(pi)
    previous = events.previous_attributes(before, after)
    if previous:
        await events.record(ctx.session, ctx.scope, "payment_intent.updated", after, now=ctx.now, previous=previous)
    return pi


async def _apply_payment_changes(ctx: PaymentContext, pi: PaymentIntent, changes: IntentChanges) -> None:
    """The fields that decide how the payment is made (only before it is)."""
    if changes.amount is not None or changes.currency is not None:
        pi.currency = check_amount(changes.amount or pi.amount, changes.currency or pi.currency)
        pi.amount = changes.amount or pi.amount
    if changes.customer is not None:
        await customers.get(ctx.session, ctx.scope, changes.customer, param="customer")
        pi.customer_id = changes.customer
    if changes.capture_method is not None:
        pi.capture_method = changes.capture_method
    if changes.payment_method_types is not None:
        pi.payment_method_types, pi.automatic_payment_methods = list(changes.payment_method_types), None
    elif pi.automatic_payment_methods and (changes.capture_method or changes.currency):
        pi.payment_method_types = options.automatic_types(pi.currency, pi.capture_method)
    if changes.payment_method_options is not None:
        pi.payment_method_options = options.merge(pi.payment_method_options, dict(changes.payment_method_options))
    if "setup_future_usage" in changes.given:
        pi.setup_future_usage = changes.setup_future_usage
    if changes.payment_method_data is not None:
        method = await payment_method_for(ctx, pi, changes.payment_method_data)
        states.method_attached(pi, method.id)
    elif changes.payment_method is not None:
        await attach_method(ctx, pi, changes.payment_method)


async def capture(
    ctx: PaymentContext, pi: PaymentIntent, amount_to_capture: int | None, extras: capturing.CaptureExtras | None = None
) -> PaymentIntent:
    """Capture the authorization, in atomic phases where the session allows (`payments.capturing`)."""
    return await capturing.capture(ctx, pi, amount_to_capture, extras)


async def cancel(ctx: PaymentContext, pi: PaymentIntent, reason: str | None) -> PaymentIntent:
    """Cancel the intent, voiding its authorization in atomic phases where the session allows (`payments.voiding`)."""
    return await voiding.cancel(ctx, pi, reason)


async def expire_authorizations(
    ctx: PaymentContext, *, limit: int = 200, customer_ids: Sequence[str] | None = None
) -> int:
    """Cancel authorizations left uncaptured for 7 days (`payments.voiding`)."""
    return await voiding.expire_authorizations(ctx, limit=limit, customer_ids=customer_ids)


async def list_intents(ctx: PaymentContext, page: PageRequest, *, customer_id: str | None) -> Page[PaymentIntent]:
    return await repository.list_intents(ctx.session, ctx.scope, page, customer_id=customer_id)


async def get_charge(ctx: PaymentContext, charge_id: str) -> Charge:
    charge = await repository.get_charge(ctx.session, ctx.scope, charge_id)
    if charge is None:
        raise ChargeNotFound(charge_id)
    return charge


async def charges_by_id(ctx: PaymentContext, charge_ids: list[str]) -> dict[str, Charge]:
    """The merchant's charges among `charge_ids`, by id (one query for a page of them)."""
    return {charge.id: charge for charge in await repository.charges_by_id(ctx.session, ctx.scope, charge_ids)}


async def list_charges(
    ctx: PaymentContext, page: PageRequest, *, payment_intent_id: str | None, customer_id: str | None
) -> Page[Charge]:
    return await repository.list_charges(
        ctx.session, ctx.scope, page, payment_intent_id=payment_intent_id, customer_id=customer_id
    )


async def search_intents(ctx: PaymentContext, query: str, page: PageRequest) -> Page[PaymentIntent]:
    """PaymentIntents matching Stripe's search `query` (amount, created, currency, customer, status, metadata)."""
    return await repository.search_intents(ctx.session, ctx.scope, query, page)


async def search_charges(ctx: PaymentContext, query: str, page: PageRequest) -> Page[Charge]:
    """Charges matching Stripe's search `query`."""
    return await repository.search_charges(ctx.session, ctx.scope, query, page)


@dataclass(frozen=True)
class ChargeChanges:
    """`POST /v1/charges/{id}`: `given` names the fields sent (an empty string, None here, unsets)."""

    given: frozenset[str]
    description: str | None = None
    metadata: MetadataUpdate | None = None
    receipt_email: str | None = None
    shipping: Mapping[str, Any] | None = None
    user_report: str | None = None


async def update_charge(ctx: PaymentContext, charge_id: str, changes: ChargeChanges) -> Charge:
    charge = await repository.get_charge(ctx.session, ctx.scope, charge_id, for_update=True)
    if charge is None:
        raise ChargeNotFound(charge_id)
    before = charge_object(charge)
    if "description" in changes.given:
        charge.description = changes.description
    if "receipt_email" in changes.given:
        charge.receipt_email = changes.receipt_email
    if "shipping" in changes.given:
        charge.shipping = dict(changes.shipping) if changes.shipping else None
    if changes.metadata is not None:
        charge.metadata_ = changes.metadata.apply(charge.metadata_)
    if changes.user_report is not None:  # the merchant's own verdict; "" withdraws it
        details = {k: v for k, v in (charge.fraud_details or {}).items() if k != "user_report"}
        charge.fraud_details = {**details, "user_report": changes.user_report} if changes.user_report else details
        await radar.user_report(ctx.session, charge.id, changes.user_report)
    await ctx.session.flush()
    after = charge_object(charge)
    previous = events.previous_attributes(before, after)
    if previous:
        await events.record(ctx.session, ctx.scope, "charge.updated", after, now=ctx.now, previous=previous)
    return charge


async def get_for_client(session: AsyncSession, payment_intent_id: str, client_secret: str) -> PaymentIntent | None:
    """The PaymentIntent a page on Lynk's origin (the payment element) holds the client secret of, or None."""
    pi = await repository.get_intent_by_id(session, payment_intent_id)
    if pi is None or not client_secret or not hmac.compare_digest(pi.client_secret, client_secret):
        return None
    return pi
