"""The hosted page's payments: with a typed card (and the Link opt-in), with a saved Link detail, or,
in `mode=setup`, saving a card through the session's SetupIntent.

The caller locked the session; its intent is locked here, so a second click waits and then finds the
work done (and pays nothing), or, while the processor has the payment (`processing`: the attempt is
committed before the call, and no lock is held across it), is refused by the intent's state.
"""

from __future__ import annotations

from typing import Any, TypeVar

from lynk.checkout import customisation, page_fields, setup, states
from lynk.checkout.errors import SessionExpired
from lynk.checkout.page_fields import Collected
from lynk.checkout.service import PAID, intent_of, sync, sync_setup
from lynk.customers import service as customers
from lynk.link.service import LinkPayment, LinkSignup
from lynk.models import CheckoutSession, CheckoutSessionStatus, PaymentIntent, PaymentIntentStatus, SetupIntent
from lynk.payment_methods import service as payment_methods
from lynk.payment_methods.service import CardInput
from lynk.payments import attempts
from lynk.payments.confirm import ConfirmOptions, complete_authentication, confirm
from lynk.payments.context import PaymentContext

T = TypeVar("T", PaymentIntent, SetupIntent)


async def _payable(ctx: PaymentContext, session: CheckoutSession) -> tuple[PaymentIntent, bool]:
    """The locked PaymentIntent, and whether there is still something to pay.

    The caller locked `session`; its PaymentIntent is locked here, so a second click waits and then
    finds the payment done (and pays nothing).
    """
    pi = await intent_of(ctx, session, for_update=True)
    if session.status == CheckoutSessionStatus.COMPLETE or pi.status in PAID:
        await sync(ctx, session, pi)  # a repeated click: the payment is done, nothing more to pay
        return pi, False
    states.check_open(session, "paid")
    if session.expires_at <= ctx.now:
        raise SessionExpired()
    await attempts.check_not_in_flight(ctx, pi)  # another click's payment is with the processor: wait for it
    if pi.status == PaymentIntentStatus.REQUIRES_ACTION:
        # The shopper left a challenge unfinished and tries another way: that attempt fails first.
        await complete_authentication(ctx, pi, succeeded=False)
    return pi, True


async def pay_with_card(
    ctx: PaymentContext,
    session: CheckoutSession,
    card: CardInput,
    *,
    email: str,
    name: str | None,
    return_url: str,
    link_signup: LinkSignup | None = None,
    asked: Collected | None = None,
) -> PaymentIntent:
    """The hosted page's card path: save the card as a PaymentMethod, confirm the session's PaymentIntent.

    With `link_signup` (the shopper ticked "Save my information for faster checkout"), a Link account
    is born with this card once the payment succeeds. A decline raises `PaymentDeclined` after its
    outcome is written; a 3-D Secure card leaves the PaymentIntent in `requires_action` with the
    challenge URL.
    """
    pi, due = await _payable(ctx, session)
    if not due:
        return pi
    asked = asked or Collected()
    phone = asked.phone or (link_signup.signup.phone if link_signup else None)
    session.customer_details = {"email": email, "name": name, "phone": phone, **asked.details()}
    _ship(pi, asked)
    billing = {"email": email, "name": name, "phone": asked.phone, "address": asked.address}
    method = await payment_methods.create_card(
        ctx.session,
        ctx.keyring,
        ctx.scope,
        card,
        billing={key: value for key, value in billing.items() if value is not None},
        metadata=None,
        allow_redisplay="unspecified",
        secret_key=False,
        now=ctx.now,
    )
    # The shopper's browser confirms on Lynk's page, as with the publishable key (Radar reads its IP and device).
    options = ConfirmOptions(payment_method=method.id, return_url=return_url, link_signup=link_signup, publishable=True)
    await confirm(ctx, _relocking(ctx, session, pi), options)
    await sync(ctx, session, pi)
    await _make_customer(ctx, session, pi)
    return pi


async def pay_with_link(
    ctx: PaymentContext,
    session: CheckoutSession,
    payment: LinkPayment,
    *,
    return_url: str,
    shipping: dict[str, Any] | None = None,
    asked: Collected | None = None,
) -> PaymentIntent:
    """The hosted page's Link path: pay with a saved detail of the shopper's verified consumer session
    (and ship to the saved address chosen, if any: `shipping_details` on the session)."""
    pi, due = await _payable(ctx, session)
    if not due:
        return pi
    asked = asked or Collected()
    _ship(pi, asked)
    await confirm(
        ctx, _relocking(ctx, session, pi), ConfirmOptions(link=payment, return_url=return_url, publishable=True)
    )
    if pi.payment_method_id is not None:
        method = await payment_methods.get(ctx.session, ctx.scope, pi.payment_method_id)
        billing = method.billing_details or {}
        email = (method.link or {}).get("email") or billing.get("email")
        details = {"email": email, "name": billing.get("name"), "phone": billing.get("phone"), **asked.details()}
        session.customer_details = {**details, "shipping": shipping} if shipping else details
    await sync(ctx, session, pi)
    await _make_customer(ctx, session, pi)
    return pi


def _relocking(ctx: PaymentContext, session: CheckoutSession, intent: T) -> T:
    """`intent`, whose processor attempt locks `session` again at each phase after the first, before the
    intent (this page's lock order): the attempt is committed before the call (`payments.attempts`), which
    ends the lock taken with it, and the expiry job may have moved the session since."""
    ctx.relock.append(lambda: ctx.session.refresh(session, with_for_update=True))
    return intent


async def _update_customer(ctx: PaymentContext, session: CheckoutSession) -> None:
    wanted = customisation.wants(session, "customer_update") or {}
    given = session.customer_details or {}
    changes: dict[str, Any] = {}
    if wanted.get("name") == "auto" and given.get("name"):
        changes["name"] = given["name"]
    if wanted.get("address") == "auto" and given.get("address"):
        changes["address"] = given["address"]
    if wanted.get("shipping") == "auto" and given.get("shipping"):
        changes["shipping"] = {**given["shipping"], "phone": given.get("phone")}
    if changes and session.customer_id is not None:
        await customers.update(ctx.session, ctx.scope, session.customer_id, changes, None, now=ctx.now)


def _ship(pi: PaymentIntent, asked: Collected) -> None:
    """The shipping address typed on the page is the PaymentIntent's `shipping` (and its charge's)."""
    if asked.shipping:
        address = {key: asked.shipping["address"].get(key) for key in page_fields.ADDRESS_FIELDS}
        pi.shipping = {
            "address": address,
            "carrier": None,
            "name": asked.shipping["name"],
            "phone": asked.phone,
            "tracking_number": None,
        }


async def _make_customer(ctx: PaymentContext, session: CheckoutSession, pi: PaymentIntent) -> None:
    """`customer_creation=always`: a Customer from what the shopper typed, once the session completes;
    `customer_update[name|address|shipping]=auto`: the given Customer takes what the shopper typed."""
    if session.status != CheckoutSessionStatus.COMPLETE:
        return
    if session.customer_id is not None:
        await _update_customer(ctx, session)
        return
    if customisation.wants(session, "customer_creation") != "always":
        return
    given = session.customer_details or {}
    fields = {key: given.get(key) for key in ("email", "name", "phone", "address")}
    if given.get("shipping"):
        fields["shipping"] = {**given["shipping"], "phone": given.get("phone")}
    customer = await customers.create(
        ctx.session, ctx.scope, {k: v for k, v in fields.items() if v is not None}, None, now=ctx.now
    )
    session.customer_id = pi.customer_id = customer.id


async def save_card(
    ctx: PaymentContext, session: CheckoutSession, card: CardInput, *, email: str, name: str | None, return_url: str
) -> SetupIntent:
    """`mode=setup`: save the card through the session's SetupIntent; the session completes when it succeeds."""
    si = await setup.intent_of(ctx, session, for_update=True)
    if session.status == CheckoutSessionStatus.COMPLETE:
        return si
    states.check_open(session, "completed")
    if session.expires_at <= ctx.now:
        raise SessionExpired()
    await attempts.check_not_in_flight(ctx, si)
    session.customer_details = {"email": email, "name": name, "phone": None}
    await setup.save_card(ctx, _relocking(ctx, session, si), card, email=email, name=name, return_url=return_url)
    await sync_setup(ctx, session, si)
    return si
