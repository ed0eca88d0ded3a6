"""Creating a Checkout Session: its line items checked (or priced from a Price), its expiry, its
PaymentIntent (mode=payment, through the payments service) or SetupIntent (mode=setup), and its rows.

The session's other use cases (read, complete, expire, recover) are service.py, which gives `create` and
the types it takes to the endpoints as `service.create`, `service.NewCheckoutSession`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lynk.checkout import customisation, repository, setup
from lynk.checkout.errors import ModeNotSupported
from lynk.core.errors import InvalidRequestError, ParameterInvalid, ParameterMissing
from lynk.core.ids import new_id, random_token
from lynk.core.metadata import MetadataUpdate
from lynk.core.money import currency as currency_of
from lynk.customers import service as customers
from lynk.models import CheckoutLineItem, CheckoutPaymentStatus, CheckoutSession, CheckoutSessionStatus, PaymentIntent
from lynk.payments import service as payments
from lynk.payments.context import PaymentContext
from lynk.products import service as products

MIN_LIFETIME_SECONDS = 30 * 60
MAX_LIFETIME_SECONDS = 24 * 3600


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
