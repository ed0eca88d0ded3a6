"""Checkout Session use cases: create (with its PaymentIntent), read, expire, complete.

A session owns one PaymentIntent, created through the payments service when the session
is. The session completes when that PaymentIntent succeeds (or is authorized, for manual
capture): `sync` notices it, wherever the payment finished (the hosted page, the 3-D Secure
page, the API). Lock order is always the session row, then its PaymentIntent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lynk.checkout import customisation, repository, setup, states
from lynk.checkout.errors import CheckoutSessionNotFound, ModeNotSupported, SessionNotOpen
from lynk.checkout.objects import checkout_session_object
from lynk.core.errors import InvalidRequestError, ParameterInvalid, ParameterMissing, ResourceMissing
from lynk.core.ids import new_id, random_token
from lynk.core.metadata import MetadataUpdate
from lynk.core.money import currency as currency_of
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.customers import service as customers
from lynk.events import service as events
from lynk.models import (
    CheckoutLineItem,
    CheckoutPaymentStatus,
    CheckoutSession,
    CheckoutSessionStatus,
    PaymentIntent,
    PaymentIntentStatus,
    SetupIntent,
    SetupIntentStatus,
)
from lynk.payments import service as payments
from lynk.payments.context import PaymentContext
from lynk.products import service as products
from lynk.products.objects import price_object

MIN_LIFETIME_SECONDS = 30 * 60
MAX_LIFETIME_SECONDS = 24 * 3600
PAID = (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.REQUIRES_CAPTURE)
CANCELABLE = (
    PaymentIntentStatus.REQUIRES_PAYMENT_METHOD,
    PaymentIntentStatus.REQUIRES_CONFIRMATION,
    PaymentIntentStatus.REQUIRES_ACTION,
)


@dataclass(frozen=True)
class NewLineItem:
    """A line from `price_data` (name, currency, unit amount), or from `price` (a Price id, resolved
    to its product's name, currency and unit amount)."""

    name: str | None
    currency: str | None
    unit_amount: int | None
    quantity: int
    price: str | None = None
    product: str | None = None


@dataclass(frozen=True)
class PaymentIntentOptions:
    capture_method: str = "automatic"
    description: str | None = None
    metadata: MetadataUpdate | None = None
    receipt_email: str | None = None
    statement_descriptor: str | None = None


@dataclass(frozen=True)
class NewCheckoutSession:
    mode: str
    line_items: Sequence[NewLineItem] | None
    success_url: str | None = None
    cancel_url: str | None = None
    client_reference_id: str | None = None
    customer: str | None = None
    customer_email: str | None = None
    payment_method_types: Sequence[str] = ("card",)
    metadata: MetadataUpdate | None = None
    expires_at: int | None = None
    payment_intent: PaymentIntentOptions = field(default_factory=PaymentIntentOptions)
    currency: str | None = None  # mode=setup only (there are no line items to take it from)
    ui_mode: str = "hosted"
    return_url: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  # the page's customisations (see customisation)
    setup_intent_metadata: MetadataUpdate | None = None
    setup_intent_description: str | None = None
    recovered_from: str | None = None  # the expired session whose recovery URL asked for this one


def _check_lines(lines: Sequence[NewLineItem] | None) -> tuple[str, int]:
    """The one currency of all lines, and their total."""
    if not lines:
        raise ParameterMissing("line_items")
    code = ""
    total = 0
    for index, line in enumerate(lines):
        if line.currency is None or line.unit_amount is None:
            raise ParameterMissing(f"line_items[{index}][price_data]")
        where = "price" if line.price else "price_data][currency"
        found = currency_of(line.currency, param=f"line_items[{index}][{where}]").code
        if code and found != code:
            raise ParameterInvalid(
                f"All line items must use the same currency; line_items[{index}] is in {found}, "
                f"the ones before it in {code}.",
                param=f"line_items[{index}][{where}]",
            )
        code = found
        total += line.unit_amount * line.quantity
    assert code, "at least one line"
    minimum = currency_of(code).minimum_charge
    if total < minimum:
        raise InvalidRequestError(
            f"The Checkout Session's total amount due must add up to at least "
            f"{currency_of(code).format(minimum)} {code}.",
            param="line_items",
            code="amount_too_small",
        )
    if total > payments.MAX_AMOUNT:
        raise InvalidRequestError(
            f"The Checkout Session's total amount must be no more than {currency_of(code).format(payments.MAX_AMOUNT)} "
            f"{code}.",
            param="line_items",
            code="amount_too_large",
        )
    return code, total


def _check_expiry(expires_at: int | None, now: int) -> int:
    if expires_at is None:
        return now + MAX_LIFETIME_SECONDS
    if expires_at < now + MIN_LIFETIME_SECONDS:
        raise ParameterInvalid(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
            param="expires_at",
        )
    if expires_at > now + MAX_LIFETIME_SECONDS:
        raise ParameterInvalid(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    return expires_at


async def create(ctx: PaymentContext, new: NewCheckoutSession) -> CheckoutSession:
    if new.mode not in ("payment", "setup"):
        raise ModeNotSupported(new.mode)
    if new.customer is not None and new.customer_email is not None:
        raise InvalidRequestError(
            "You may only specify one of these parameters: customer, customer_email.", param="customer_email"
        )
    customisation.check(
        mode=new.mode,
        ui_mode=new.ui_mode,
        success_url=new.success_url,
        cancel_url=new.cancel_url,
        return_url=new.return_url,
        customer=new.customer,
        options=new.options,
    )
    if new.mode == "setup":
        setup.check(new.line_items, new.payment_method_types)
        code, total = currency_of(new.currency or "usd", param="currency").code, 0
    else:
        new = replace(new, line_items=await _priced(ctx, new.line_items))
        code, total = _check_lines(new.line_items)
    expires_at = _check_expiry(new.expires_at, ctx.now)
    if new.customer is not None:
        await customers.get(ctx.session, ctx.scope, new.customer, param="customer")
    pi_id = si_id = None
    if new.mode == "setup":
        si_id = (
            await setup.create_intent(
                ctx, new.customer, new.setup_intent_metadata or new.metadata, new.setup_intent_description
            )
        ).id
    else:
        pi_id = (await _create_intent(ctx, new, code, total)).id
    session_id = new_id("cs_live" if ctx.scope.livemode else "cs_test", 56)  # 64 characters, the id column
    session = CheckoutSession(
        id=session_id,
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        metadata_=(new.metadata or MetadataUpdate()).apply({}),
        mode=new.mode,
        status=CheckoutSessionStatus.OPEN,
        payment_status=CheckoutPaymentStatus.NO_PAYMENT_REQUIRED if si_id else CheckoutPaymentStatus.UNPAID,
        currency=code,
        amount_subtotal=total,
        amount_total=total,
        success_url=new.success_url,
        cancel_url=new.cancel_url,
        client_reference_id=new.client_reference_id,
        customer_id=new.customer,
        customer_email=new.customer_email,
        customer_details=None,
        payment_method_types=list(new.payment_method_types),
        payment_intent_id=pi_id,
        setup_intent_id=si_id,
        expires_at=expires_at,
        completed_at=None,
        ui_mode=new.ui_mode,
        client_secret=None
        if customisation.kind(new.ui_mode) == "hosted"
        else f"{session_id}_secret_{random_token(24)}",
        return_url=new.return_url,
        options=dict(new.options) or None,
        recovered_from=new.recovered_from,
    )
    lines = [
        CheckoutLineItem(
            id=new_id("li", 24),
            session_id=session_id,
            position=index,
            created=ctx.now,
            description=line.name or "",
            currency=code,
            unit_amount=line.unit_amount or 0,
            quantity=line.quantity,
            amount_total=(line.unit_amount or 0) * line.quantity,
            price_id=line.price or new_id("price", 24),
            product_id=line.product or new_id("prod", 14),
        )
        for index, line in enumerate(new.line_items or ())
    ]
    await repository.add(ctx.session, session, *lines)
    return session


async def _priced(ctx: PaymentContext, lines: Sequence[NewLineItem] | None) -> list[NewLineItem] | None:
    """Lines given a `price` take its product's name, its currency and unit amount."""
    if lines is None:
        return None
    at = products.Where(session=ctx.session, scope=ctx.scope, now=ctx.now)
    priced = []
    for index, line in enumerate(lines):
        if line.price is None:
            priced.append(line)
            continue
        param = f"line_items[{index}][price]"
        if line.unit_amount is not None:
            raise InvalidRequestError(
                "You may only specify one of these parameters: price, price_data.", param=f"line_items[{index}]"
            )
        price = await products.get_price(at, line.price, param=param)
        if not price.active:
            raise ParameterInvalid(
                f"The price specified ({price.id}) is inactive. This field only accepts active prices.", param=param
            )
        if price.type != "one_time":
            raise ParameterInvalid(
                f"The price {price.id} is recurring: it needs mode=subscription, which Lynk does not support yet. "
                "Use a one-time price.",
                param=param,
            )
        product = await products.get_product(at, price.product_id, param=param)
        priced.append(
            replace(line, name=product.name, currency=price.currency, unit_amount=price.unit_amount, product=product.id)
        )
    return priced


async def _create_intent(ctx: PaymentContext, new: NewCheckoutSession, code: str, total: int) -> PaymentIntent:
    options = new.payment_intent
    return await payments.create(
        ctx,
        payments.NewPaymentIntent(
            amount=total,
            currency=code,
            customer=new.customer,
            payment_method_types=list(new.payment_method_types),
            capture_method=options.capture_method,
            description=options.description,
            receipt_email=options.receipt_email or new.customer_email,
            statement_descriptor=options.statement_descriptor,
            metadata=options.metadata,
            payment_method_options=customisation.wants_dict(new.options, "payment_method_options"),
        ),
        None,
    )


async def get(ctx: PaymentContext, session_id: str, *, for_update: bool = False) -> CheckoutSession:
    found = await repository.get(ctx.session, ctx.scope, session_id, for_update=for_update)
    if found is None:
        raise CheckoutSessionNotFound(session_id)
    return found


async def get_for_page(ctx: PaymentContext, session_id: str, *, for_update: bool = False) -> CheckoutSession | None:
    """The session behind a hosted page URL (unscoped: the URL is the shopper's proof of access)."""
    return await repository.get_by_id(ctx.session, session_id, for_update=for_update)


async def list_page(
    ctx: PaymentContext,
    page: PageRequest,
    *,
    payment_intent_id: str | None,
    customer_id: str | None,
    status: str | None,
) -> Page[CheckoutSession]:
    return await repository.list_page(
        ctx.session, ctx.scope, page, payment_intent_id=payment_intent_id, customer_id=customer_id, status=status
    )


async def prices_of(ctx: PaymentContext, items: Sequence[CheckoutLineItem]) -> dict[str, Any]:
    """The Price objects of lines made from a `price` (a `price_data` line has its price inline)."""
    at = products.Where(session=ctx.session, scope=ctx.scope, now=ctx.now)
    found = await products.prices_by_ids(at, [item.price_id for item in items])
    return {price_id: price_object(price) for price_id, price in found.items()}


async def line_items(ctx: PaymentContext, session: CheckoutSession, page: PageRequest) -> Page[CheckoutLineItem]:
    """Line items in the order given; `starting_after`/`ending_before` name a line item of this session."""
    items = await repository.line_items(ctx.session, session.id)
    cursor = page.starting_after or page.ending_before
    if cursor is not None:
        index = next((i for i, item in enumerate(items) if item.id == cursor), None)
        if index is None:
            raise ResourceMissing(
                "line_item", cursor, param="starting_after" if page.starting_after else "ending_before"
            )
        if page.starting_after:
            items = items[index + 1 :]
        else:
            before = items[:index]
            return Page(items=before[-page.limit :], has_more=len(before) > page.limit)
    return Page(items=items[: page.limit], has_more=len(items) > page.limit)


async def _record(ctx: PaymentContext, session: CheckoutSession, type_: str) -> None:
    obj = checkout_session_object(session, public_url=ctx.public_url)
    await events.record(ctx.session, ctx.scope, type_, obj, now=ctx.now)


async def intent_of(ctx: PaymentContext, session: CheckoutSession, *, for_update: bool = False) -> PaymentIntent:
    assert session.payment_intent_id is not None, "a payment-mode session has its PaymentIntent"
    return await payments.get(ctx, session.payment_intent_id, for_update=for_update)


async def refresh(ctx: PaymentContext, session: CheckoutSession) -> CheckoutSession:
    """Complete an open session whose PaymentIntent or SetupIntent went through (the page calls this)."""
    if session.setup_intent_id is not None:
        return await sync_setup(ctx, session, await setup.intent_of(ctx, session))
    return await sync(ctx, session, await intent_of(ctx, session))


async def sync_setup(ctx: PaymentContext, session: CheckoutSession, si: SetupIntent) -> CheckoutSession:
    if session.status == CheckoutSessionStatus.OPEN and si.status == SetupIntentStatus.SUCCEEDED:
        states.completed(session, paid=None, now=ctx.now)
        await ctx.session.flush()
        await _record(ctx, session, "checkout.session.completed")
    return session


async def sync(ctx: PaymentContext, session: CheckoutSession, pi: PaymentIntent) -> CheckoutSession:
    """Complete an open session whose PaymentIntent has succeeded (or is authorized for a later capture)."""
    if session.status != CheckoutSessionStatus.OPEN:
        return session
    if pi.status in PAID:
        states.completed(session, paid=pi.status == PaymentIntentStatus.SUCCEEDED, now=ctx.now)
        await ctx.session.flush()
        await _record(ctx, session, "checkout.session.completed")
    return session


async def expire(ctx: PaymentContext, session: CheckoutSession) -> CheckoutSession:
    """Expire an open, unpaid session and cancel its PaymentIntent (or SetupIntent)."""
    states.check_open(session, "expired")
    if session.setup_intent_id is not None:
        si = await setup.intent_of(ctx, session, for_update=True)
        if si.status == SetupIntentStatus.SUCCEEDED:
            raise SessionNotOpen(session.id, "complete", "expired")
        await setup.cancel(ctx, si)
        states.expired(session)
        await ctx.session.flush()
        await _record(ctx, session, "checkout.session.expired")
        return session
    pi = await intent_of(ctx, session, for_update=True)
    if pi.status in PAID:
        raise SessionNotOpen(session.id, "complete", "expired")
    if pi.status in CANCELABLE:
        await payments.cancel(ctx, pi, "abandoned")
    states.expired(session)
    await ctx.session.flush()
    await _record(ctx, session, "checkout.session.expired")
    return session


async def expire_due(ctx: PaymentContext, *, limit: int = 200) -> int:
    """Expire the open sessions past `expires_at`, across merchants (each in its own scope);
    one whose payment went through after all completes instead. Open sessions already paid complete too:
    a Checkout Elements session is completed by the browser's way back through Lynk, which a closed
    browser never takes."""
    paid = await repository.open_but_paid(ctx.session, limit=limit)
    for session in paid:
        scoped = replace(ctx, scope=Scope(session.merchant_id, session.livemode))
        await sync(scoped, session, await intent_of(scoped, session, for_update=True))
    due = await repository.due_to_expire(ctx.session, ctx.now, limit=limit)
    for session in due:
        scoped = replace(ctx, scope=Scope(session.merchant_id, session.livemode))
        if session.setup_intent_id is not None:
            si = await setup.intent_of(scoped, session, for_update=True)
            await (
                sync_setup(scoped, session, si) if si.status == SetupIntentStatus.SUCCEEDED else expire(scoped, session)
            )
            continue
        pi = await intent_of(scoped, session, for_update=True)
        if pi.status in PAID:
            await sync(scoped, session, pi)
        else:
            await expire(scoped, session)
    return len(paid) + len(due)


async def recover(ctx: PaymentContext, old: CheckoutSession) -> CheckoutSession:
    """`after_expiration[recovery]`: a new session like the expired one (same lines, URLs and options),
    made when the shopper follows its recovery URL; its `recovered_from` names the old one."""
    until = customisation.recoverable_until(old)
    if until is None or ctx.now >= until:
        raise SessionNotOpen(old.id, str(old.status), "recovered")
    items = await repository.line_items(ctx.session, old.id)
    prices = await prices_of(ctx, items)
    lines = [
        NewLineItem(name=None, currency=None, unit_amount=None, quantity=item.quantity, price=item.price_id)
        if item.price_id in prices
        else NewLineItem(item.description, item.currency, item.unit_amount, item.quantity)
        for item in items
    ]
    pi = await intent_of(ctx, old)
    new = NewCheckoutSession(
        mode=old.mode,
        line_items=lines,
        success_url=old.success_url,
        cancel_url=old.cancel_url,
        client_reference_id=old.client_reference_id,
        customer=old.customer_id,
        customer_email=old.customer_email,
        payment_method_types=list(old.payment_method_types),
        metadata=MetadataUpdate(values=dict(old.metadata_)),
        payment_intent=PaymentIntentOptions(
            capture_method=pi.capture_method,
            description=pi.description,
            metadata=MetadataUpdate(values=dict(pi.metadata_)),
            receipt_email=pi.receipt_email,
            statement_descriptor=pi.statement_descriptor,
        ),
        ui_mode=old.ui_mode,
        return_url=old.return_url,
        options=dict(old.options or {}),
        recovered_from=old.id,
    )
    return await create(ctx, new)
