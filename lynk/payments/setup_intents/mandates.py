"""Mandates: the recorded consent to charge a saved payment method off-session.

A SetupIntent with `usage=off_session`, or a PaymentIntent with `setup_future_usage=off_session`,
creates one when it succeeds. An off-session PaymentIntent looks it up: a card that was set up is
charged without authentication (unless its issuer always demands it), and the charge names the
mandate in `payment_method_details.card.mandate`.
"""

from __future__ import annotations

from typing import Any

from lynk.core.errors import InvalidRequestError, ResourceMissing
from lynk.core.ids import new_id
from lynk.models import Mandate, MandateStatus, PaymentMethod
from lynk.payment_methods import service as payment_methods
from lynk.payments.context import ClientInfo, PaymentContext
from lynk.payments.setup_intents import repository
from lynk.payments.setup_intents.errors import MandateNotFound


def online_acceptance(client: ClientInfo | None, now: int) -> dict[str, Any]:
    """Consent given online, by the request's client (Stripe's `customer_acceptance`)."""
    return {
        "accepted_at": now,
        "offline": None,
        "online": {
            "ip_address": client.ip_address if client else None,
            "user_agent": client.user_agent if client else None,
        },
        "type": "online",
    }


async def record(
    ctx: PaymentContext, method: PaymentMethod, *, source_id: str, customer_acceptance: dict[str, Any] | None
) -> Mandate:
    """The method's active mandate, made now unless one exists already."""
    existing = await repository.active_mandate(ctx.session, ctx.scope, method.id)
    if existing is not None:
        return existing
    mandate = Mandate(
        id=new_id("mandate"),
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        metadata_={},
        payment_method_id=method.id,
        customer_id=method.customer_id,
        status=MandateStatus.ACTIVE,
        type="multi_use",
        customer_acceptance=customer_acceptance or online_acceptance(ctx.client, ctx.now),
        source_id=source_id,
    )
    await repository.add(ctx.session, mandate)
    return mandate


async def active_for(ctx: PaymentContext, method: PaymentMethod) -> Mandate | None:
    """The consent an off-session charge of `method` relies on, if any.

    Consent is given to a merchant for a customer's saved method: once the method was detached from
    that customer (or attached to another), the mandate no longer covers it.
    """
    mandate = await repository.active_mandate(ctx.session, ctx.scope, method.id)
    if mandate is None or mandate.customer_id != method.customer_id:
        return None
    return mandate


async def get(ctx: PaymentContext, mandate_id: str) -> Mandate:
    found = await repository.get_mandate(ctx.session, ctx.scope, mandate_id)
    if found is None:
        raise MandateNotFound(mandate_id)
    return found


async def status_of(ctx: PaymentContext, mandate: Mandate) -> MandateStatus:
    """`inactive` once the method left the customer who consented, as `active_for` treats it."""
    if mandate.status != MandateStatus.ACTIVE:
        return mandate.status
    method = await payment_methods.get(ctx.session, ctx.scope, mandate.payment_method_id)
    return MandateStatus.ACTIVE if method.customer_id == mandate.customer_id else MandateStatus.INACTIVE


async def method_type(ctx: PaymentContext, mandate: Mandate) -> str:
    """The type of the PaymentMethod the mandate covers (`card`, `us_bank_account`, `link`)."""
    return (await payment_methods.get(ctx.session, ctx.scope, mandate.payment_method_id)).type


async def check_covers(ctx: PaymentContext, mandate_id: str, method: PaymentMethod) -> None:
    """`mandate`: the consent this payment relies on must exist and cover its PaymentMethod."""
    try:
        mandate = await get(ctx, mandate_id)
    except ResourceMissing:
        raise ResourceMissing("mandate", mandate_id, param="mandate") from None
    if mandate.payment_method_id != method.id:
        raise InvalidRequestError(
            f"The mandate {mandate_id} covers another PaymentMethod ({mandate.payment_method_id}), not {method.id}.",
            param="mandate",
        )
