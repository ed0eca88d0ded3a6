"""Checkout Session use cases: read, complete, expire, recover. Creating one is creating.py; its `create`
and types are re-exported here, so the endpoints call `service.create` as they call the rest.

A session owns one PaymentIntent, created through the payments service when the session
is. The session completes when that PaymentIntent succeeds (or is authorized, for manual
capture): `sync` notices it, wherever the payment finished (the hosted page, the 3-D Secure
page, the API). Lock order is always the session row, then its PaymentIntent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lynk.checkout import customisation, repository, setup, states
from lynk.checkout.creating import NewCheckoutSession as NewCheckoutSession
from lynk.checkout.creating import NewLineItem as NewLineItem
from lynk.checkout.creating import PaymentIntentOptions as PaymentIntentOptions
from lynk.checkout.creating import create as create
from lynk.checkout.errors import CheckoutSessionNotFound, SessionNotOpen
from lynk.checkout.objects import checkout_session_object
from lynk.core.errors import ResourceMissing
from lynk.core.metadata import MetadataUpdate
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import (
    CheckoutLineItem,
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

PAID = (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.REQUIRES_CAPTURE)
CANCELABLE = (
    PaymentIntentStatus.REQUIRES_PAYMENT_METHOD,
    PaymentIntentStatus.REQUIRES_CONFIRMATION,
    PaymentIntentStatus.REQUIRES_ACTION,
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
