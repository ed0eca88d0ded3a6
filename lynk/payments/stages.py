"""The stages a PaymentIntent's and a SetupIntent's confirmation share (issue 13): the payment method (made,
resolved, or the intent's own), the card behind it, the authorization request to the processor, and the
error an attempt fails with. Authorizing with its retry is `attempts.run`."""

from __future__ import annotations

from typing import Any

from lynk.connectors import AuthorizeRequest, CardRef
from lynk.core.errors import InvalidRequestError
from lynk.link import service as link
from lynk.link.service import LinkPayment
from lynk.models import PaymentIntent, PaymentMethod, SetupIntent
from lynk.payment_methods import service as payment_methods
from lynk.payment_methods.objects import payment_method_object
from lynk.payments.context import PaymentContext
from lynk.vault import service as vault


async def resolve_method(
    ctx: PaymentContext,
    intent: PaymentIntent | SetupIntent,
    link_payment: LinkPayment | None,
    data: payment_methods.CardData | None,
    payment_method: str | None,
    *,
    secret_key: bool = True,
    cards_only: bool = False,
    shipping_address: dict[str, Any] | None = None,
) -> PaymentMethod:
    """The confirm stage both intents share: the method from a verified Link session, made from
    `payment_method_data`, the one named, or the intent's own; the intent's customer's, set on the intent."""
    kind = "SetupIntent" if isinstance(intent, SetupIntent) else "PaymentIntent"
    if link_payment is not None:
        method = await link.pay_with(
            ctx.session,
            ctx.keyring,
            ctx.scope,
            ctx.now,
            link_payment,
            intent.payment_method_types,
            cards_only=cards_only,
            shipping_address=shipping_address,
        )
    elif data is not None:
        method = await payment_methods.create_from_data(
            ctx.session, ctx.keyring, ctx.scope, data, secret_key=secret_key, now=ctx.now
        )
    elif payment_method is not None:
        method = await payment_methods.resolve(ctx.session, ctx.keyring, ctx.scope, payment_method, now=ctx.now)
    elif intent.payment_method_id is not None:
        method = await payment_methods.get(ctx.session, ctx.scope, intent.payment_method_id, param="payment_method")
    else:
        raise InvalidRequestError(
            f"You cannot confirm this {kind} because it's missing a payment method. Update it with a "
            "payment_method, or confirm with payment_method or payment_method_data.",
            param="payment_method",
            code=f"{'setup' if kind == 'SetupIntent' else 'payment'}_intent_unexpected_state",
        )
    return set_method(intent, method)


def set_method(intent: PaymentIntent | SetupIntent, method: PaymentMethod) -> PaymentMethod:
    if method.customer_id is not None and method.customer_id != intent.customer_id:
        kind = "SetupIntent" if isinstance(intent, SetupIntent) else "PaymentIntent"
        raise InvalidRequestError(
            f"The provided PaymentMethod belongs to another customer. Pass that customer on the {kind}.",
            param="payment_method",
        )
    intent.payment_method_id = method.id
    return method


async def card_ref(ctx: PaymentContext, method: PaymentMethod, funding: link.Funding | None = None) -> CardRef:
    """The card a method charges; for a `link` method, that of its `funding` when the caller has read it."""
    vault_card_id = method.vault_card_id or ""
    if method.type == "link":  # the card the shopper chose for this merchant, inside the network
        if funding is None:
            funding = await link.funding_for(ctx.session, ctx.keyring, ctx.scope, ctx.now, method.id)
        vault_card_id, _country = link.card_of(funding)
    # A stored card is flushed as it is sealed: nothing a payment leaves pending changes what this reads. No
    # autoflush, so the intent's new method goes in one UPDATE with its attempt's status (as in require_processor).
    with ctx.session.no_autoflush:
        facts = await vault.card_facts(ctx.session, vault_card_id)
    assert facts is not None, "a card PaymentMethod always has its vault card"
    card = method.card or {}
    return CardRef(
        vault_card_id=vault_card_id,
        bin=facts.bin,
        last4=facts.last4,
        brand=facts.brand,
        exp_month=int(card.get("exp_month", facts.exp_month)),
        exp_year=int(card.get("exp_year", facts.exp_year)),
    )


def card_request(key: str, method: PaymentMethod, card: CardRef, **fields: Any) -> AuthorizeRequest:
    """An authorization of `card` under `key` (a payment's, or a verification of 0) with what the method
    knows of the shopper (the CVC check, the postal code)."""
    checks = (method.card or {}).get("checks") or {}
    postal_code = (method.billing_details.get("address") or {}).get("postal_code")
    cvc_provided = checks.get("cvc_check") == "pass"
    return AuthorizeRequest(
        idempotency_key=key, card=card, cvc_provided=cvc_provided, postal_code=postal_code, **fields
    )


def error_object(
    code: str, decline_code: str | None, message: str, method: PaymentMethod, *, type_: str = "card_error"
) -> dict[str, Any]:
    return {
        "type": type_,
        "code": code,
        "decline_code": decline_code,
        "message": message,
        "doc_url": f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}",
        "param": None,
        "payment_method": payment_method_object(method),
    }
