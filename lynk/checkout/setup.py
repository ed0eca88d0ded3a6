"""Checkout Sessions in `mode=setup`: the session owns a SetupIntent (no PaymentIntent, no line items),
and the hosted page saves the shopper's card through it, as Stripe's setup mode does.

The session completes (`payment_status: no_payment_required`) when its SetupIntent succeeds,
wherever that happened: the page, the 3-D Secure page, or the API.
"""

from __future__ import annotations

from collections.abc import Sequence

from lynk.core.errors import InvalidRequestError, ParameterInvalid
from lynk.core.metadata import MetadataUpdate
from lynk.models import CheckoutSession, SetupIntent, SetupIntentStatus
from lynk.payment_methods import service as payment_methods
from lynk.payment_methods.service import CardInput
from lynk.payments.context import PaymentContext
from lynk.payments.setup_intents import service as setup_intents
from lynk.payments.setup_intents.confirm import SetupConfirmOptions, complete_authentication, confirm

CANCELABLE = (
    SetupIntentStatus.REQUIRES_PAYMENT_METHOD,
    SetupIntentStatus.REQUIRES_CONFIRMATION,
    SetupIntentStatus.REQUIRES_ACTION,
)


def check(line_items: Sequence[object] | None, payment_method_types: Sequence[str]) -> None:
    if line_items:
        raise InvalidRequestError("You cannot pass `line_items` in `setup` mode.", param="line_items")
    if any(kind != "card" for kind in payment_method_types):
        raise ParameterInvalid(
            "Checkout Sessions in `setup` mode save cards: `payment_method_types` may only contain `card`.",
            param="payment_method_types",
        )


async def create_intent(
    ctx: PaymentContext, customer: str | None, metadata: MetadataUpdate | None, description: str | None = None
) -> SetupIntent:
    """The session's SetupIntent: a card, for off-session use (the merchant charges it later)."""
    new = setup_intents.NewSetupIntent(
        customer=customer, payment_method_types=("card",), metadata=metadata, description=description
    )
    return await setup_intents.create(ctx, new, None)


async def intent_of(ctx: PaymentContext, session: CheckoutSession, *, for_update: bool = False) -> SetupIntent:
    assert session.setup_intent_id is not None, "a setup-mode session has its SetupIntent"
    return await setup_intents.get(ctx, session.setup_intent_id, for_update=for_update)


async def cancel(ctx: PaymentContext, si: SetupIntent) -> None:
    if si.status in CANCELABLE:
        await setup_intents.cancel(ctx, si, "abandoned")


async def save_card(
    ctx: PaymentContext, si: SetupIntent, card: CardInput, *, email: str, name: str | None, return_url: str
) -> SetupIntent:
    """The page's "Save card": a card PaymentMethod, verified through the SetupIntent (3-D Secure when
    the card asks). A refused card raises `SetupDeclined` after its outcome is written."""
    if si.status == SetupIntentStatus.REQUIRES_ACTION:
        await complete_authentication(ctx, si, succeeded=False)  # an abandoned challenge fails first
    method = await payment_methods.create_card(
        ctx.session,
        ctx.keyring,
        ctx.scope,
        card,
        billing={"email": email, "name": name},
        metadata=None,
        allow_redisplay="unspecified",
        secret_key=False,
        now=ctx.now,
    )
    options = SetupConfirmOptions(payment_method=method.id, return_url=return_url, secret_key=False)
    return await confirm(ctx, si, options)
